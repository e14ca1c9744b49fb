import { test } from 'node:test';
import assert from 'node:assert/strict';
import { after, createHarness, pipeline, probe } from '../../../test/support/pipelines/runner-harness.ts';

test('activities without dependencies start together and in definition order', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [
      probe('A', { sleepSeconds: 60 }),
      probe('B', { sleepSeconds: 60 }),
      probe('C', { sleepSeconds: 30 }),
    ]),
  );
  const started = h.recorder.events.flatMap((e) =>
    e.kind === 'activityRunStarted' ? [e.activityRun.activityName] : [],
  );
  assert.deepEqual(started, ['A', 'B', 'C']);
  assert.equal(run.durationInMs, 60_000, 'the three ran in parallel');
  assert.deepEqual(
    h.recorder.activityRuns.map((r) => r.activityName),
    ['C', 'A', 'B'],
    'recorded in completion order, ties in definition order',
  );
});

test('conditions within an entry are OR-ed, entries AND-ed', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [
      probe('A', { fail: true }),
      probe('B'),
      probe('Either', {}, { dependsOn: after('A', 'Succeeded', 'Failed') }),
      probe(
        'Both',
        {},
        { dependsOn: [...(after('A', 'Succeeded') ?? []), ...(after('B', 'Succeeded') ?? [])] },
      ),
      probe('Done', {}, { dependsOn: after('A', 'Completed') }),
    ]),
  );
  assert.equal(h.statusOf('Either'), 'Succeeded');
  assert.equal(h.statusOf('Both'), 'Skipped');
  assert.equal(h.statusOf('Done'), 'Succeeded');
  // Leaves: Either and Done succeeded; Both skipped → its parents A (failed) and B.
  assert.equal(run.status, 'Failed');
});

test('a skip spreads only through edges that do not accept Skipped', async () => {
  const h = createHarness();
  await h.runner.run(
    pipeline('p', [
      probe('A', { fail: true }),
      probe('B', {}, { dependsOn: after('A', 'Succeeded') }),
      probe('C', {}, { dependsOn: after('B', 'Succeeded') }),
      probe('D', {}, { dependsOn: after('C', 'Skipped') }),
    ]),
  );
  assert.deepEqual(
    ['A', 'B', 'C', 'D'].map((n) => h.statusOf(n)),
    ['Failed', 'Skipped', 'Skipped', 'Succeeded'],
  );
  const skipped = h.runsOf('B')[0];
  assert.equal(skipped?.input, null);
  assert.equal(skipped.durationInMs, 0);
});

test('a dependent listed before its upstream still runs after it', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [
      probe('Second', {}, { dependsOn: after('First', 'Succeeded') }),
      probe('First', { sleepSeconds: 5 }),
    ]),
  );
  assert.equal(run.status, 'Succeeded');
  assert.deepEqual(
    h.recorder.activityRuns.map((r) => r.activityName),
    ['First', 'Second'],
  );
});

test('an invalid graph fails the run with a clear message instead of stalling', async () => {
  const h = createHarness();
  const run = await h.runner.run(pipeline('p', [probe('A', {}, { dependsOn: after('Ghost', 'Succeeded') })]));
  assert.equal(run.status, 'Failed');
  assert.equal(run.message, "Activity 'A' depends on 'Ghost', which is not in the same scope.");
});

// The table of spec §2.4, row by row; A is the main activity.
const leafRuleRows = [
  { row: 'A alone', activities: () => [probe('A', { fail: true })], expected: 'Failed' },
  {
    row: 'A -> B on success',
    activities: () => [probe('A', { fail: true }), probe('B', {}, { dependsOn: after('A', 'Succeeded') })],
    expected: 'Failed',
  },
  {
    row: 'Try-Catch: A -> H on failure',
    activities: () => [probe('A', { fail: true }), probe('H', {}, { dependsOn: after('A', 'Failed') })],
    expected: 'Succeeded',
  },
  {
    row: 'Do-If-Else',
    activities: () => [
      probe('A', { fail: true }),
      probe('B', {}, { dependsOn: after('A', 'Succeeded') }),
      probe('H', {}, { dependsOn: after('A', 'Failed') }),
    ],
    expected: 'Failed',
  },
  {
    row: 'Do-If-Skip-Else',
    activities: () => [
      probe('A', { fail: true }),
      probe('B', {}, { dependsOn: after('A', 'Succeeded') }),
      probe('H', {}, { dependsOn: after('A', 'Failed') }),
      probe('Dummy', {}, { dependsOn: after('B', 'Skipped') }),
    ],
    expected: 'Succeeded',
  },
  {
    row: 'A -> C on completion',
    activities: () => [probe('A', { fail: true }), probe('C', {}, { dependsOn: after('A', 'Completed') })],
    expected: 'Succeeded',
  },
];

for (const { row, activities, expected } of leafRuleRows) {
  test(`leaf rule, ${row}: A fails → pipeline ${expected}; A succeeds → Succeeded`, async () => {
    const failing = await createHarness().runner.run(pipeline('p', activities()));
    assert.equal(failing.status, expected);
    if (expected === 'Failed') {
      assert.equal(failing.message, 'Operation on target A failed: probe A failed on attempt 1');
    } else {
      assert.equal(failing.message, '');
    }
    const passingActivities = activities().map((a) => (a.name === 'A' ? probe('A') : a));
    const passing = await createHarness().runner.run(pipeline('p', passingActivities));
    assert.equal(passing.status, 'Succeeded');
  });
}
