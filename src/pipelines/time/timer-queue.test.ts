import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimerQueue, type Timer } from './timer-queue.ts';

function timer(deadline: number, sequence: number): Timer {
  return { deadline, sequence, fire: () => undefined };
}

test('pops by deadline, then by registration order, and removes arbitrary timers', () => {
  const queue = new TimerQueue();
  const timers = [timer(50, 0), timer(10, 1), timer(50, 2), timer(30, 3), timer(10, 4), timer(70, 5)];
  for (const t of timers) queue.push(t);
  assert.equal(queue.remove(timers[3] as Timer), true);
  assert.equal(queue.remove(timer(1, 99)), false);
  const order: number[] = [];
  for (let t = queue.pop(); t !== undefined; t = queue.pop()) order.push(t.sequence);
  assert.deepEqual(order, [1, 4, 0, 2, 5]);
  assert.equal(queue.size, 0);
});
