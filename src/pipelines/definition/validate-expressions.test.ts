import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActivityDefinition, PipelineDefinition } from './model.ts';
import { validatePipeline } from './validate.ts';
import { expressionTexts, withoutNestedActivities } from './validate-expressions.ts';

const expr = (value: string) => ({ value, type: 'Expression' });

/** A fake ExpressionEngine.check that records what it saw and rejects expressions containing "((". */
function recordingChecker(): {
  seen: unknown[];
  check: (value: unknown) => { path: string; message: string }[];
} {
  const seen: unknown[] = [];
  return {
    seen,
    check(value) {
      seen.push(value);
      return expressionTexts(value, '')
        .filter((entry) => entry.text.includes('(('))
        .map((entry) => ({ path: entry.path, message: `Unexpected '(' in '${entry.text}'.` }));
    },
  };
}

function run(activities: unknown[], extra: Record<string, unknown> = {}) {
  const checker = recordingChecker();
  const definition: PipelineDefinition = {
    name: 'P',
    properties: { activities: activities as ActivityDefinition[], ...extra },
  };
  const messages = validatePipeline(definition, { checkExpressions: checker.check }).map(
    (problem) => problem.message,
  );
  return { messages, seen: checker.seen };
}

test('expressions that do not parse are reported at their property', () => {
  const web = {
    name: 'Call',
    type: 'WebActivity',
    typeProperties: { method: 'GET', url: expr('@concat((1)'), headers: { h: '@{((x}' } },
    userProperties: [{ name: 'u', value: expr('@((') }],
  };
  assert.deepEqual(run([web]).messages, [
    "Activity 'Call': typeProperties.url has an expression that does not parse: Unexpected '(' in '@concat((1)'.",
    "Activity 'Call': typeProperties.headers.h has an expression that does not parse: Unexpected '(' in '@{((x}'.",
    "Activity 'Call': userProperties[0].value has an expression that does not parse: Unexpected '(' in '@(('.",
  ]);
});

test('a container is checked without its nested activities, which are checked one by one', () => {
  const inner = { name: 'Inner', type: 'Wait', typeProperties: { waitTimeInSeconds: expr('@add((1)') } };
  const loop = {
    name: 'Loop',
    type: 'Until',
    typeProperties: { expression: expr('@true'), activities: [inner], timeout: '0.01:00:00' },
  };
  const { messages, seen } = run([loop]);
  assert.deepEqual(seen[0], { expression: expr('@true'), timeout: '0.01:00:00' });
  assert.deepEqual(messages, [
    "Activity 'Inner': typeProperties.waitTimeInSeconds has an expression that does not parse: Unexpected '(' in '@add((1)'.",
  ]);
});

test('withoutNestedActivities drops every key containing "activities", Switch cases included', () => {
  const switchProps = { on: expr('@x'), cases: [{ value: 'a', activities: [1] }], defaultActivities: [2] };
  assert.deepEqual(withoutNestedActivities(switchProps), { on: expr('@x'), cases: [{ value: 'a' }] });
});

test('typed return-value expressions are checked too', () => {
  const set = {
    name: 'Ret',
    type: 'SetVariable',
    typeProperties: {
      variableName: 'pipelineReturnValue',
      setSystemVariable: true,
      value: [
        {
          key: 'k',
          value: { type: 'Object', content: { inner: { type: 'Expression', content: 'concat((' } } },
        },
      ],
    },
  };
  assert.deepEqual(run([set]).messages, [
    "Activity 'Ret': typeProperties.value[0].value.content.inner.content has an expression that does not parse: Unexpected '(' in 'concat(('.",
  ]);
});

test('names used in expressions must exist: activities, variables and parameters', () => {
  const web = {
    name: 'Call',
    type: 'WebActivity',
    typeProperties: {
      method: 'POST',
      url: expr(
        "@concat(pipeline().parameters.base, pipeline()?.parameters['Path'], pipeline().parameters.missing)",
      ),
      body: "@{activity('call').output} @{activity('Nobody').output} @{variables('v')} @{variables('w')}",
    },
  };
  const { messages } = run([web], {
    parameters: { base: { type: 'String' }, path: { type: 'String' } },
    variables: { V: { type: 'String' } },
  });
  assert.deepEqual(messages, [
    "Activity 'Call': typeProperties.url refers to the parameter 'missing', which the pipeline does not declare; declare it in properties.parameters.",
    "Activity 'Call': typeProperties.body refers to activity('Nobody'), but the pipeline has no activity of that name; fix the name.",
    "Activity 'Call': typeProperties.body refers to variables('w'), which the pipeline does not declare; declare it in properties.variables.",
  ]);
});

test('literal strings and @@ escapes are not read as expressions', () => {
  const web = {
    name: 'Call',
    type: 'WebActivity',
    typeProperties: {
      method: 'GET',
      url: 'https://x',
      headers: { a: "activity('Nobody')", b: "@@variables('none')" },
    },
  };
  assert.deepEqual(run([web]).messages, []);
});

test('SetVariable and AppendVariable may not read the variable they set', () => {
  const variables = { variables: { n: { type: 'Int' }, list: { type: 'Array' } } };
  const set = {
    name: 'Inc',
    type: 'SetVariable',
    typeProperties: { variableName: 'n', value: expr("@add(variables('n'), 1)") },
  };
  const append = {
    name: 'Add',
    type: 'AppendVariable',
    typeProperties: { variableName: 'list', value: expr("@variables('list')") },
  };
  assert.deepEqual(run([set, append], variables).messages, [
    "Activity 'Inc': typeProperties.value reads variables('n'), the variable being set; Data Factory does not allow this: copy it into another variable first.",
    "Activity 'Add': typeProperties.value reads variables('list'), the variable being set; Data Factory does not allow this: copy it into another variable first.",
  ]);
});

test('runDimensions are checked at the pipeline level', () => {
  assert.deepEqual(run([], { runDimensions: { a: expr('@(('), b: expr("@variables('nope')") } }).messages, [
    "runDimensions.a has an expression that does not parse: Unexpected '(' in '@(('.",
    "runDimensions.b refers to variables('nope'), which the pipeline does not declare; declare it in properties.variables.",
  ]);
});
