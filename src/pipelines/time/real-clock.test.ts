import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RealClock } from './real-clock.ts';

test('an aborted real sleep rejects with the abort reason', async () => {
  const clock = new RealClock();
  const controller = new AbortController();
  const sleeping = clock.sleep(60_000, controller.signal);
  controller.abort(new Error('cancelled'));
  await assert.rejects(sleeping, /cancelled/);
});

test('a short real sleep resolves', async () => {
  const clock = new RealClock();
  await clock.sleep(1);
  assert.ok(clock.now() instanceof Date);
});
