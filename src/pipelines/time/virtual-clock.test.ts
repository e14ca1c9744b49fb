import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from './virtual-clock.ts';
import { awaitExternalWork } from './external-work.ts';

const START = Date.UTC(2024, 0, 1);

test('auto-advance jumps to the earliest deadline and fires ties in registration order', async () => {
  const clock = new VirtualClock({ start: START });
  const fired: string[] = [];
  const sleeps = [
    clock.sleep(5000).then(() => fired.push(`b@${clock.now().getTime() - START}`)),
    clock.sleep(1000).then(() => fired.push(`a@${clock.now().getTime() - START}`)),
    clock.sleep(5000).then(() => fired.push(`c@${clock.now().getTime() - START}`)),
  ];
  await Promise.all(sleeps);
  assert.deepEqual(fired, ['a@1000', 'b@5000', 'c@5000']);
  assert.equal(clock.pendingTimers, 0);
});

test('a loop sleeping 120 s for two virtual hours runs every iteration', async () => {
  const clock = new VirtualClock({ start: START });
  let iterations = 0;
  while (clock.now().getTime() - START < 2 * 3600_000) {
    iterations++;
    await clock.sleep(120_000);
  }
  assert.equal(iterations, 60);
  assert.equal(clock.now().toISOString(), '2024-01-01T02:00:00.000Z');
});

test('an aborted sleep rejects with the reason and never moves the clock', async () => {
  const clock = new VirtualClock({ start: START });
  const controller = new AbortController();
  const long = clock.sleep(3600_000, controller.signal);
  controller.abort(new Error('stop'));
  await assert.rejects(long, /stop/);
  assert.equal(clock.pendingTimers, 0);
  await clock.sleep(10);
  assert.equal(clock.now().getTime(), START + 10);
});

test('manual advance fires due timers, lets follow-up sleeps register, and stops at the target', async () => {
  const clock = new VirtualClock({ start: START, autoAdvance: false });
  const ticks: number[] = [];
  const loop = (async () => {
    for (let i = 0; i < 3; i++) {
      await clock.sleep(100);
      ticks.push(clock.now().getTime() - START);
    }
  })();
  await clock.advance(250);
  assert.deepEqual(ticks, [100, 200]);
  assert.equal(clock.now().getTime(), START + 250);
  await clock.advance(50);
  await loop;
  assert.deepEqual(ticks, [100, 200, 300]);
});

test('a hold keeps the clock still while external work is in flight', async () => {
  const clock = new VirtualClock({ start: START });
  const order: string[] = [];
  const timeout = clock.sleep(60_000).then(() => {
    order.push('timeout');
  });
  const work = new Promise<string>((resolve) =>
    setTimeout(() => {
      resolve('response');
    }, 20),
  );
  const result = await awaitExternalWork(clock, work);
  order.push(result);
  assert.equal(clock.now().getTime(), START, 'no virtual time passed during the hold');
  await timeout;
  assert.deepEqual(order, ['response', 'timeout']);
});

test('a sleep of zero or less resolves without moving time', async () => {
  const clock = new VirtualClock({ start: START });
  await clock.sleep(0);
  await clock.sleep(-5);
  assert.equal(clock.now().getTime(), START);
});
