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

const START = Date.UTC(2024, 0, 1);

function wait(name: string, seconds: number, extra: Partial<ActivityDefinition> = {}): ActivityDefinition {
  return { name, type: 'Wait', typeProperties: { waitTimeInSeconds: seconds }, ...extra };
}

function until(
  name: string,
  expression: string,
  activities: ActivityDefinition[],
  timeout?: string,
): ActivityDefinition {
  return { name, type: 'Until', typeProperties: { expression: expr(expression), activities, timeout } };
}

test('a pipeline polling every 120 s for two virtual hours runs every iteration', async () => {
  const h = createHarness();
  // A fake batch job that reports Completed once two hours have passed on the run's clock.
  h.handlers.register('JobStatus', {
    run: (ctx) =>
      Promise.resolve({
        status: ctx.clock.now().getTime() - START >= 2 * 3600_000 ? 'Completed' : 'Running',
      }),
  });
  const run = await h.runner.run(
    pipeline(
      'poll',
      [
        until('Wait for job', "@equals(activity('Check status').output.status, 'Completed')", [
          { name: 'Check status', type: 'JobStatus' },
          wait('Wait', 120, { dependsOn: after('Check status', 'Succeeded') }),
        ]),
        {
          name: 'Final status',
          type: 'SetVariable',
          dependsOn: after('Wait for job', 'Succeeded'),
          typeProperties: { variableName: 'status', value: expr("@activity('Check status').output.status") },
        },
      ],
      { variables: { status: { type: 'String' } } },
    ),
  );
  assert.equal(run.status, 'Succeeded');
  const checks = h.runsOf('Check status');
  // Checks at 0, 120, ..., 7200 s: the one at 7200 s sees Completed, then the iteration's Wait still runs.
  assert.equal(checks.length, 61);
  assert.equal(h.runsOf('Wait').length, 61);
  assert.deepEqual(
    checks.map((c) => c.iteration),
    Array.from({ length: 61 }, (_, i) => i + 1),
  );
  const loop = h.runsOf('Wait for job')[0];
  assert.equal(loop?.durationInMs, 7320_000);
  assert.equal(checks[0]?.parentActivityRunId, loop.activityRunId);
  assert.equal(run.durationInMs, 7320_000);
  assert.equal(run.runEnd, '2024-01-01T02:02:00.0000000Z');
  assert.deepEqual(h.runsOf('Final status')[0]?.output, { name: 'status', value: 'Completed' });
});

test('the loop body runs at least once even when the condition already holds', async () => {
  const h = createHarness();
  await h.runner.run(pipeline('p', [until('Loop', '@equals(1, 1)', [probe('Body')])]));
  assert.equal(h.runsOf('Body').length, 1);
  assert.equal(h.statusOf('Loop'), 'Succeeded');
});

test('an inner failure does not stop the loop; the last iteration decides the status', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline(
      'p',
      [
        until('Loop', "@greater(variables('n'), 2)", [
          probe('Boom', { fail: true }),
          {
            name: 'Next n',
            type: 'SetVariable',
            typeProperties: { variableName: 'tmp', value: expr("@add(variables('n'), 1)") },
          },
          {
            name: 'Store n',
            type: 'SetVariable',
            dependsOn: after('Next n', 'Succeeded'),
            typeProperties: { variableName: 'n', value: expr("@variables('tmp')") },
          },
        ]),
      ],
      { variables: { n: { type: 'Integer' }, tmp: { type: 'Integer' } } },
    ),
  );
  assert.equal(h.runsOf('Boom').length, 3);
  assert.equal(h.statusOf('Loop'), 'Failed');
  const error = h.runsOf('Loop')[0]?.error;
  assert.equal(error?.message, 'Operation on target Boom failed: probe Boom failed on attempt 1');
  assert.equal(error.errorCode, 'ProbeFailed');
  assert.equal(
    run.message,
    'Operation on target Loop failed: Operation on target Boom failed: probe Boom failed on attempt 1',
  );
});

test('the Until timeout fails the loop and cancels the running iteration', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [until('Loop', '@equals(1, 2)', [wait('Pause', 240)], '0.00:10:00')]),
  );
  assert.equal(run.status, 'Failed');
  const loop = h.runsOf('Loop')[0];
  assert.equal(loop?.error?.errorCode, 'ActivityTimedOut');
  assert.equal(loop.error.message, "The Until activity 'Loop' timed out after 0.00:10:00.");
  assert.equal(loop.durationInMs, 600_000);
  assert.deepEqual(
    h.runsOf('Pause').map((r) => r.status),
    ['Succeeded', 'Succeeded', 'Cancelled'],
  );
  assert.equal(h.clock.pendingTimers, 0);
});

test('a condition that is not a boolean, or cannot be evaluated, fails the Until', async () => {
  const h = createHarness();
  await h.runner.run(pipeline('p', [until('Loop', "@'yes'", [probe('Body')])]));
  assert.equal(
    h.runsOf('Loop')[0]?.error?.message,
    "The Until expression must evaluate to a boolean, but it evaluated to a value of type 'String'.",
  );
  const h2 = createHarness();
  // Spec §5.6(4): the check failed, so its output lacks the property the condition reads.
  await h2.runner.run(
    pipeline('p', [
      until('Loop', "@equals(activity('Check').output.properties.status, 'Done')", [
        probe('Check', { fail: true }),
      ]),
    ]),
  );
  const error = h2.runsOf('Loop')[0]?.error;
  assert.equal(h2.runsOf('Check').length, 1);
  assert.match(error?.message ?? '', /property 'properties' doesn't exist/);
});
