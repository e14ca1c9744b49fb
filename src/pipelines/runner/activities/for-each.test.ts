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

function forEach(
  items: string,
  activities: ActivityDefinition[],
  extra: Record<string, unknown> = {},
): ActivityDefinition {
  return { name: 'Each', type: 'ForEach', typeProperties: { items: expr(items), activities, ...extra } };
}

const pause: ActivityDefinition = { name: 'Pause', type: 'Wait', typeProperties: { waitTimeInSeconds: 60 } };

test('parallel iterations are capped by batchCount', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [forEach('@createArray(1, 2, 3, 4, 5)', [pause], { batchCount: 2 })]),
  );
  assert.equal(run.status, 'Succeeded');
  assert.equal(run.durationInMs, 180_000, 'five 60 s iterations two at a time take three rounds');
  assert.deepEqual(
    h.runsOf('Each')[0]?.input,
    { items: [1, 2, 3, 4, 5], batchCount: 2 },
    'inner lists stay out',
  );
  assert.deepEqual(
    h.runsOf('Pause').map((r) => r.iteration),
    [1, 2, 3, 4, 5],
  );
});

test('without batchCount up to 20 iterations run at once', async () => {
  const h = createHarness();
  const run = await h.runner.run(pipeline('p', [forEach('@createArray(1, 2, 3, 4, 5)', [pause])]));
  assert.equal(run.durationInMs, 60_000);
});

test('isSequential, also written as the text "true", runs one iteration at a time in item order', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline(
      'p',
      [
        forEach(
          "@createArray('a', 'b', 'c')",
          [
            pause,
            {
              name: 'Collect',
              type: 'AppendVariable',
              dependsOn: after('Pause', 'Succeeded'),
              typeProperties: { variableName: 'seen', value: expr('@item()') },
            },
          ],
          { isSequential: 'true' },
        ),
        {
          name: 'Show',
          type: 'SetVariable',
          dependsOn: after('Each', 'Succeeded'),
          typeProperties: { variableName: 'copy', value: expr("@variables('seen')") },
        },
      ],
      { variables: { seen: { type: 'Array' }, copy: { type: 'Array' } } },
    ),
  );
  assert.equal(run.durationInMs, 180_000);
  assert.deepEqual(h.runsOf('Show')[0]?.output, { name: 'copy', value: ['a', 'b', 'c'] });
});

test('iterations continue past a failure and the ForEach fails', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [
      forEach('@createArray(1, 2, 3)', [
        {
          name: 'Check',
          type: 'IfCondition',
          typeProperties: {
            expression: expr('@equals(item(), 2)'),
            ifTrueActivities: [
              {
                name: 'Bad item',
                type: 'Fail',
                typeProperties: { message: 'item 2 is bad', errorCode: 'E2' },
              },
            ],
          },
        },
      ]),
    ]),
  );
  assert.deepEqual(
    h
      .runsOf('Check')
      .map((r) => [r.iteration, r.status])
      .sort((a, b) => Number(a[0]) - Number(b[0])),
    [
      [1, 'Succeeded'],
      [2, 'Failed'],
      [3, 'Succeeded'],
    ],
  );
  const each = h.runsOf('Each')[0];
  assert.equal(each?.status, 'Failed');
  assert.equal(each.error?.errorCode, 'E2');
  assert.equal(
    run.message,
    'Operation on target Each failed: Operation on target Check failed: Operation on target Bad item failed: item 2 is bad',
  );
});

test('an inner On-Failure handler that succeeds makes the iteration, and the ForEach, succeed', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [
      forEach('@createArray(1, 2)', [
        probe('Work', { fail: true }),
        probe('Handle', {}, { dependsOn: after('Work', 'Failed') }),
      ]),
    ]),
  );
  assert.equal(h.runsOf('Handle').length, 2);
  assert.equal(h.statusOf('Each'), 'Succeeded');
  assert.equal(run.status, 'Succeeded');
});

test('items that are not an array fail the ForEach', async () => {
  const h = createHarness();
  await h.runner.run(pipeline('p', [forEach("@'abc'", [pause])]));
  assert.equal(
    h.runsOf('Each')[0]?.error?.message,
    "The ForEach items must evaluate to an array, but it evaluated to a value of type 'String'.",
  );
});

test('Filter keeps the items whose condition holds', async () => {
  const h = createHarness();
  await h.runner.run(
    pipeline('p', [
      {
        name: 'Big',
        type: 'Filter',
        typeProperties: { items: expr('@createArray(1, 5, 2, 8)'), condition: expr('@greater(item(), 2)') },
      },
    ]),
  );
  assert.deepEqual(h.runsOf('Big')[0]?.output, { ItemsCount: 4, FilteredItemsCount: 2, Value: [5, 8] });
});
