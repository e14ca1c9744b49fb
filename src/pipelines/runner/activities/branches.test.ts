import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActivityDefinition } from '../../definition/model.ts';
import {
  after,
  createHarness,
  expr,
  pipeline,
  probe,
} from '../../../../test/support/pipelines/runner-harness.ts';

function ifCondition(
  expression: string,
  whenTrue?: ActivityDefinition[],
  whenFalse?: ActivityDefinition[],
): ActivityDefinition {
  return {
    name: 'Branch',
    type: 'IfCondition',
    typeProperties: {
      expression: expr(expression),
      ifTrueActivities: whenTrue,
      ifFalseActivities: whenFalse,
    },
  };
}

test('IfCondition runs only the chosen branch; inner results stay visible afterwards', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [
      probe('Source', { output: { n: 7 } }),
      {
        ...ifCondition(
          "@equals(activity('Source').output.n, 7)",
          [probe('Yes', { output: expr("@activity('Source').output.n") })],
          [probe('No')],
        ),
        dependsOn: after('Source', 'Succeeded'),
      },
      probe(
        'Later',
        { output: expr("@activity('Yes').output") },
        { dependsOn: after('Branch', 'Succeeded') },
      ),
    ]),
  );
  assert.equal(run.status, 'Succeeded');
  assert.deepEqual(h.runsOf('No'), []);
  assert.equal(h.runsOf('Yes')[0]?.output, 7, 'inner activities see the enclosing scope');
  assert.equal(h.runsOf('Later')[0]?.output, 7, 'inner results are visible after the container');
});

test('an absent branch succeeds, a failing branch fails the IfCondition, a non-boolean is an error', async () => {
  const absent = createHarness();
  assert.equal(
    (await absent.runner.run(pipeline('p', [ifCondition('@equals(1, 2)', [probe('X')])]))).status,
    'Succeeded',
  );
  const failing = createHarness();
  await failing.runner.run(pipeline('p', [ifCondition('@equals(1, 1)', [probe('X', { fail: true })])]));
  assert.equal(failing.statusOf('Branch'), 'Failed');
  const wrong = createHarness();
  await wrong.runner.run(pipeline('p', [ifCondition('@createArray(1)', [probe('X')])]));
  assert.equal(
    wrong.runsOf('Branch')[0]?.error?.message,
    "The IfCondition expression must evaluate to a boolean, but it evaluated to a value of type 'Array'.",
  );
});

function switchOn(on: string): ActivityDefinition {
  return {
    name: 'Route',
    type: 'Switch',
    typeProperties: {
      on: expr(on),
      cases: [
        { value: 'Completed', activities: [probe('Done')] },
        { value: 'Failed', activities: [probe('Broken')] },
      ],
      defaultActivities: [probe('Other')],
    },
  };
}

test('Switch runs the first exactly matching case or the default', async () => {
  const ran = async (on: string): Promise<string[]> => {
    const h = createHarness();
    await h.runner.run(pipeline('p', [switchOn(on)]));
    return h.recorder.activityRuns.map((r) => r.activityName);
  };
  assert.deepEqual(await ran("@'Completed'"), ['Done', 'Route']);
  assert.deepEqual(await ran("@'Failed'"), ['Broken', 'Route']);
  assert.deepEqual(await ran("@'completed'"), ['Other', 'Route'], 'matching is case-sensitive');
});

test('Wait sleeps on the run clock and accepts numeric text', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline(
      'p',
      [
        {
          name: 'Pause',
          type: 'Wait',
          typeProperties: { waitTimeInSeconds: expr('@pipeline().parameters.s') },
        },
      ],
      {
        parameters: { s: { type: 'String', defaultValue: '120' } },
      },
    ),
  );
  assert.equal(run.durationInMs, 120_000);
  assert.deepEqual(h.runsOf('Pause')[0]?.output, {});
  const bad = createHarness();
  await bad.runner.run(
    pipeline('p', [{ name: 'Pause', type: 'Wait', typeProperties: { waitTimeInSeconds: 'soon' } }]),
  );
  assert.equal(
    bad.runsOf('Pause')[0]?.error?.message,
    'waitTimeInSeconds must be a whole number of seconds, but it is "soon".',
  );
});
