import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActivityDefinition } from '../../definition/model.ts';
import { createHarness, expr, pipeline } from '../../../../test/support/pipelines/runner-harness.ts';

function set(name: string, variableName: string, value: unknown): ActivityDefinition {
  return { name, type: 'SetVariable', typeProperties: { variableName, value } };
}

const variables = {
  s: { type: 'String' },
  b: { type: 'Bool' },
  n: { type: 'Integer', defaultValue: 5 },
  list: { type: 'Array' },
  all: { type: 'Array' },
};

test('SetVariable assigns values of the declared type and outputs name and value', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline(
      'p',
      [
        set('Set s', 's', expr("@concat('n=', string(variables('n')))")),
        set('Set b', 'b', true),
        set('Set list', 'list', expr("@createArray('x', 1)")),
      ],
      { variables },
    ),
  );
  assert.equal(run.status, 'Succeeded');
  assert.deepEqual(h.runsOf('Set s')[0]?.output, { name: 's', value: 'n=5' });
  assert.deepEqual(h.runsOf('Set list')[0]?.output, { name: 'list', value: ['x', 1] });
});

test('variables without a default start from their type default', async () => {
  const h = createHarness();
  await h.runner.run(
    pipeline(
      'p',
      [set('Show', 'all', expr("@createArray(variables('s'), variables('b'), variables('list'))"))],
      {
        variables,
      },
    ),
  );
  assert.deepEqual(h.runsOf('Show')[0]?.output, { name: 'all', value: ['', false, []] });
});

test('SetVariable rejects a value of the wrong type with the service wording', async () => {
  const h = createHarness();
  const run = await h.runner.run(pipeline('p', [set('Bad', 'list', 'text')], { variables }));
  assert.equal(run.status, 'Failed');
  const error = h.runsOf('Bad')[0]?.error;
  assert.equal(error?.errorCode, 'InvalidVariableType');
  assert.equal(
    error.message,
    "The variable 'list' of type 'Array' cannot be initialized or updated with value of type 'String'. " +
      "The variable 'list' only supports values of types 'Array'.",
  );
});

test('SetVariable may not refer to the variable it sets, nor set an undeclared one', async () => {
  const h = createHarness();
  await h.runner.run(
    pipeline('p', [set('Self', 'n', expr("@add(variables( 'n' ), 1)")), set('Ghost', 'nope', 1)], {
      variables,
    }),
  );
  assert.equal(h.runsOf('Self')[0]?.error?.errorCode, 'SelfReferencingVariable');
  assert.equal(h.runsOf('Ghost')[0]?.error?.message, "The variable 'nope' is not declared in the pipeline.");
});

test('AppendVariable adds one element, without flattening, to Array variables only', async () => {
  const h = createHarness();
  await h.runner.run(
    pipeline(
      'p',
      [
        { name: 'Add one', type: 'AppendVariable', typeProperties: { variableName: 'list', value: 1 } },
        {
          name: 'Add pair',
          type: 'AppendVariable',
          dependsOn: [{ activity: 'Add one', dependencyConditions: ['Succeeded'] }],
          typeProperties: { variableName: 'list', value: expr("@createArray('a', 'b')") },
        },
        {
          name: 'Show',
          type: 'SetVariable',
          dependsOn: [{ activity: 'Add pair', dependencyConditions: ['Succeeded'] }],
          typeProperties: { variableName: 's', value: expr("@string(variables('list'))") },
        },
        { name: 'To string', type: 'AppendVariable', typeProperties: { variableName: 's', value: 'x' } },
      ],
      { variables },
    ),
  );
  assert.deepEqual(h.runsOf('Show')[0]?.output, { name: 's', value: '[1,["a","b"]]' });
  assert.equal(
    h.runsOf('To string')[0]?.error?.message,
    "AppendVariable needs a variable of type 'Array', but 's' is of type 'String'.",
  );
});

test('pipelineReturnValue entries are decoded by type; Expression contents are evaluated', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [
      {
        name: 'Return',
        type: 'SetVariable',
        typeProperties: {
          variableName: 'pipelineReturnValue',
          setSystemVariable: true,
          value: [
            { key: 'run', value: { type: 'Expression', content: '@pipeline().RunId' } },
            { key: 'count', value: { type: 'Int', content: 3 } },
            { key: 'literal', value: { type: 'String', content: '@not evaluated' } },
            { key: 'none', value: { type: 'Null', content: null } },
            { key: 'list', value: { type: 'Array', content: [{ type: 'Boolean', content: true }] } },
            { key: 'nested', value: { type: 'Object', content: { a: { type: 'Float', content: 1.5 } } } },
          ],
        },
      },
    ]),
  );
  assert.deepEqual(run.pipelineReturnValue, {
    run: run.runId,
    count: 3,
    literal: '@not evaluated',
    none: null,
    list: [true],
    nested: { a: 1.5 },
  });
});
