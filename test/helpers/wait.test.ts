/**
 * The polling helper: it returns the first value that is done, and a probe that never gets there fails
 * with a message naming what was awaited and the last value seen (never a hang, never a quiet pass).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitFor } from './wait.ts';

describe('waitFor', () => {
  test('returns the first value that is done, probing until then', async () => {
    let calls = 0;
    const value = await waitFor('the third probe', () => ++calls, { until: (n) => n >= 3, intervalMs: 1 });
    assert.equal(value, 3);
    assert.equal(calls, 3);
  });

  test('by default a truthy value is done', async () => {
    const values = [undefined, '', 'ready'];
    assert.equal(await waitFor('a non-empty string', () => values.shift(), { intervalMs: 1 }), 'ready');
  });

  test('fails after the deadline, naming what it waited for and the last state seen', async () => {
    await assert.rejects(
      waitFor('the job to complete', () => Promise.resolve({ status: 'Running' }), {
        until: (job) => job.status === 'Completed',
        timeoutMs: 30,
        intervalMs: 5,
      }),
      (error: Error) => {
        assert.equal(error.name, 'AssertionError');
        assert.match(error.message, /^timed out after 30 ms waiting for the job to complete; last seen/);
        assert.match(error.message, /status: 'Running'/);
        return true;
      },
    );
  });

  test('a custom `show` renders the last state', async () => {
    await assert.rejects(
      waitFor('nothing', () => 7, { until: () => false, timeoutMs: 0, show: (n) => `n=${n}` }),
      /waiting for nothing; last seen \(probe 1\): n=7$/,
    );
  });
});
