import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MASKED } from './masking.ts';
import {
  after,
  createHarness,
  expr,
  pipeline,
  probe,
} from '../../../test/support/pipelines/runner-harness.ts';

const START = Date.UTC(2024, 0, 1);
const at = (iso: string | null): number => Date.parse(iso ?? '') - START;

test('retries run 1 + retry attempts, spaced by the interval, each recorded with its retryAttempt', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [
      probe('A', { failAttempts: 2, sleepSeconds: 10 }, { policy: { retry: 3, retryIntervalInSeconds: 45 } }),
    ]),
  );
  assert.equal(run.status, 'Succeeded');
  const attempts = h.runsOf('A');
  assert.deepEqual(
    attempts.map((r) => [r.status, r.retryAttempt, at(r.activityRunStart), at(r.activityRunEnd)]),
    [
      ['Failed', null, 0, 10_000],
      ['Failed', 1, 55_000, 65_000],
      ['Succeeded', 2, 110_000, 120_000],
    ],
  );
  assert.deepEqual(attempts[0]?.output, { attempt: 1 }, 'a failed attempt keeps the output it produced');
});

test('when retries run out the last failure counts; the default interval is 30 s', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [probe('A', { fail: true }, { policy: { retry: expr('@pipeline().parameters.r') } })], {
      parameters: { r: { type: 'int', defaultValue: 2 } },
    }),
  );
  assert.equal(run.status, 'Failed');
  assert.equal(run.message, 'Operation on target A failed: probe A failed on attempt 3');
  assert.equal(h.runsOf('A').length, 3);
  assert.equal(run.durationInMs, 60_000);
});

test('policy.timeout limits each attempt on the clock', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [
      probe(
        'Slow',
        { sleepSeconds: 600 },
        { policy: { timeout: '0.00:01:00', retry: 1, retryIntervalInSeconds: 30 } },
      ),
    ]),
  );
  assert.equal(run.status, 'Failed');
  const attempts = h.runsOf('Slow');
  assert.deepEqual(
    attempts.map((r) => [r.status, r.error?.errorCode, r.durationInMs]),
    [
      ['Failed', 'ActivityTimedOut', 60_000],
      ['Failed', 'ActivityTimedOut', 60_000],
    ],
  );
  assert.equal(attempts[0]?.error?.message, 'The activity timed out after 0.00:01:00.');
  assert.equal(run.durationInMs, 150_000);
  assert.equal(h.clock.pendingTimers, 0, 'no timer outlives the run');
});

test('an invalid policy fails the activity without running it', async () => {
  const h = createHarness();
  const run = await h.runner.run(pipeline('p', [probe('A', {}, { policy: { timeout: 'soon' } })]));
  assert.equal(run.status, 'Failed');
  assert.equal(h.runsOf('A')[0]?.error?.message, `The policy timeout of activity 'A' is not valid: "soon".`);
});

test('inactive activities end at once with onInactiveMarkAs (default Succeeded)', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [
      probe('Off', { sleepSeconds: 60 }, { state: 'Inactive' }),
      probe('OffFailed', {}, { state: 'Inactive', onInactiveMarkAs: 'Failed' }),
      probe('OffSkipped', {}, { state: 'Inactive', onInactiveMarkAs: 'Skipped' }),
      probe('AfterOff', {}, { dependsOn: after('Off', 'Succeeded') }),
      probe('OnFailure', {}, { dependsOn: after('OffFailed', 'Failed') }),
      probe('AfterSkipped', {}, { dependsOn: after('OffSkipped', 'Succeeded') }),
    ]),
  );
  assert.deepEqual(
    ['Off', 'OffFailed', 'OffSkipped', 'AfterOff', 'OnFailure', 'AfterSkipped'].map((n) => h.statusOf(n)),
    ['Succeeded', 'Failed', 'Skipped', 'Succeeded', 'Succeeded', 'Skipped'],
  );
  assert.equal(run.status, 'Succeeded');
  assert.equal(run.durationInMs, 0, 'the inactive activity did not sleep');
});

test('secureInput and secureOutput mask records while expressions see real values', async () => {
  const h = createHarness();
  await h.runner.run(
    pipeline('p', [
      probe('Secret', { output: { token: 'abc' } }, { policy: { secureInput: true, secureOutput: true } }),
      probe(
        'Reader',
        { output: expr("@activity('Secret').output.token") },
        { dependsOn: after('Secret', 'Succeeded') },
      ),
    ]),
  );
  const secret = h.runsOf('Secret')[0];
  assert.equal(secret?.input, MASKED);
  assert.equal(secret.output, MASKED);
  assert.equal(h.runsOf('Reader')[0]?.output, 'abc');
});

test('SecureString parameters are masked in run and activity records', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('p', [probe('Use', { header: expr("@concat('Bearer ', pipeline().parameters.key)") })], {
      parameters: { key: { type: 'SecureString' }, plain: { type: 'String', defaultValue: 'x' } },
    }),
    { parameters: { key: 'hunter2-secret' } },
  );
  assert.deepEqual(run.parameters, { key: MASKED, plain: 'x' });
  assert.deepEqual(h.runsOf('Use')[0]?.input, { header: `Bearer ${MASKED}` });
});

test('an unknown activity type fails that activity with NotSupportedLocally', async () => {
  const h = createHarness();
  const run = await h.runner.run(pipeline('p', [{ name: 'Copy data', type: 'Copy', typeProperties: {} }]));
  assert.equal(run.status, 'Failed');
  const error = h.runsOf('Copy data')[0]?.error;
  assert.equal(error?.errorCode, 'NotSupportedLocally');
  assert.equal(
    error.message,
    "Activity type 'Copy' is not supported by this runner. Register a handler for it to run it locally.",
  );
});

test('cancelling a run cancels its running activities and ends it Cancelled', async () => {
  const h = createHarness();
  const handle = h.runner.start(
    pipeline('p', [
      { name: 'Long wait', type: 'Wait', typeProperties: { waitTimeInSeconds: 3600 } },
      probe('Next', {}, { dependsOn: after('Long wait', 'Completed') }),
    ]),
  );
  await h.clock.sleep(100_000);
  handle.cancel();
  const run = await handle.done;
  assert.equal(run.status, 'Cancelled');
  assert.equal(h.statusOf('Long wait'), 'Cancelled');
  assert.deepEqual(h.runsOf('Next'), [], 'nothing new starts after a cancel');
  const statuses = h.recorder.events.flatMap((e) => ('run' in e ? [e.run.status] : []));
  assert.deepEqual(statuses, ['InProgress', 'Canceling', 'Cancelled']);
  assert.equal(run.durationInMs, 100_000);
});

test('SecureString values in typeProperties are hidden in the input record; handlers may report their own', async () => {
  const h = createHarness();
  h.handlers.register('Reporting', {
    run: (ctx) => {
      ctx.reportInput({ method: 'GET', headers: { Authorization: MASKED } });
      return Promise.resolve({});
    },
  });
  await h.runner.run(
    pipeline('p', [
      probe('Login', { user: 'me', password: { type: 'SecureString', value: 'pa55word' } }),
      { name: 'Call', type: 'Reporting', typeProperties: { url: 'https://x' } },
    ]),
  );
  assert.deepEqual(h.runsOf('Login')[0]?.input, {
    user: 'me',
    password: { type: 'SecureString', value: MASKED },
  });
  assert.deepEqual(h.runsOf('Call')[0]?.input, { method: 'GET', headers: { Authorization: MASKED } });
});
