/**
 * The Clock contract suite (src/pipelines/time/clock.ts): every wait of a pipeline run (Wait, retry
 * intervals, Until, timeouts, 202 polling) goes through a Clock, and the tests run pipelines on clocks
 * that stand in for the real one, so each must keep the same promises: sleeps end in deadline order,
 * never before their time on that clock, at once for nothing to wait, and on abort with its reason.
 * A new clock is one more entry in `implementations`, with `pass(ms)` saying how its time moves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../../src/pipelines/time/clock.ts';
import { awaitExternalWork } from '../../src/pipelines/time/external-work.ts';
import { RealClock } from '../../src/pipelines/time/real-clock.ts';
import { VirtualClock } from '../../src/pipelines/time/virtual-clock.ts';
import { ManualClock } from '../support/pipelines/web/manual-clock.ts';
import { describeContract, type Implementation } from './implementations.ts';

interface Harness {
  clock: Clock;
  /** Lets `ms` of the clock's time pass, for clocks that move only when told (a no-op for the others). */
  pass: (ms: number) => Promise<void>;
  /** Whether the clock owns its time, so a sleep moves `now()` by exactly its length. */
  exact: boolean;
  close(): void;
}

const implementations: Implementation<Harness>[] = [
  {
    name: 'real',
    open: () => ({ clock: new RealClock(), pass: () => Promise.resolve(), exact: false, close() {} }),
  },
  {
    name: 'virtual, advancing when every run waits',
    open: () => ({ clock: new VirtualClock(), pass: () => Promise.resolve(), exact: true, close() {} }),
  },
  {
    name: 'virtual, advanced by hand',
    open() {
      const clock = new VirtualClock({ autoAdvance: false });
      return { clock, pass: (ms) => clock.advance(ms), exact: true, close() {} };
    },
  },
  {
    name: 'manual (test support)',
    open() {
      const clock = new ManualClock();
      return {
        clock,
        pass: (ms) => {
          clock.advance(ms);
          return Promise.resolve();
        },
        exact: true,
        close() {},
      };
    },
  },
];

/** Node's longest timer (about 24.8 days); an Until may wait 90 days. */
const BEYOND_TIMER_LIMIT = 2 ** 31 + 1000;

/** Lets the event loop turn `count` times (no time is measured). */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Whether `promise` settles within a few turns of the event loop, without the clock being moved. */
async function settlesUndriven(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await turns(20);
  return settled;
}

await describeContract('Clock', implementations, (context) => {
  const h = () => context.current();

  test('a sleep moves now() forward by its length, exactly on a clock that owns its time', async () => {
    const { clock, pass, exact } = h();
    const before = clock.now().getTime();
    const sleeping = clock.sleep(25);
    await pass(25);
    await sleeping;
    const after = clock.now().getTime();
    assert.ok(after >= before, `now() went back from ${before} to ${after}`);
    if (exact) assert.equal(after - before, 25);
  });

  test('sleeps end in deadline order, and sleeps with the same deadline in the order they began', async () => {
    const { clock, pass } = h();
    const ended: string[] = [];
    const sleeps = [
      ['30', 30],
      ['10 first', 10],
      ['20', 20],
      ['10 second', 10],
    ] as const;
    const all = Promise.all(sleeps.map(([name, ms]) => clock.sleep(ms).then(() => ended.push(name))));
    await pass(30);
    await all;
    assert.deepEqual(ended, ['10 first', '10 second', '20', '30']);
  });

  test('a sleep of nothing (zero, negative, not a number) ends without the clock moving', async () => {
    const { clock } = h();
    for (const ms of [0, -5, Number.NaN]) {
      assert.equal(await settlesUndriven(clock.sleep(ms)), true, `sleep(${ms}) did not end`);
    }
  });

  test('an abort rejects the sleep with its reason, before or during it, and leaves other sleeps', async () => {
    const { clock, pass } = h();
    const early = new AbortController();
    const reason = new Error('canceled before');
    early.abort(reason);
    await assert.rejects(clock.sleep(1000, early.signal), (error) => error === reason);
    const during = new AbortController();
    const aborted = clock.sleep(60_000, during.signal);
    const other = clock.sleep(20);
    const stop = new Error('pipeline canceled');
    during.abort(stop);
    await assert.rejects(aborted, (error) => error === stop);
    await pass(20);
    await other;
  });

  test("a sleep beyond Node's timer limit does not end before its time", async () => {
    const { clock, pass } = h();
    const start = clock.now().getTime();
    const controller = new AbortController();
    let endedAt: number | undefined;
    const long = clock.sleep(BEYOND_TIMER_LIMIT, controller.signal).then(() => {
      endedAt = clock.now().getTime();
    });
    const short = clock.sleep(10);
    await pass(10);
    await short;
    await turns(10);
    // A clock that jumps when all is idle may end it, but only at its time on that clock.
    if (endedAt !== undefined)
      assert.ok(endedAt - start >= BEYOND_TIMER_LIMIT, `ended at +${endedAt - start}`);
    controller.abort(new Error('done'));
    await long.catch(() => undefined);
  });

  test('work the clock cannot see holds it still, and its value or error comes through', async () => {
    const { clock, pass } = h();
    const order: string[] = [];
    const sleeping = clock.sleep(200).then(() => order.push('sleep'));
    // A real timer stands for real I/O (an HTTP call): invisible to a virtual clock unless held.
    const io = new Promise<string>((resolve) => {
      setTimeout(() => {
        resolve('answer');
      }, 20);
    });
    assert.equal(await awaitExternalWork(clock, io), 'answer');
    order.push('work');
    await pass(200);
    await sleeping;
    assert.deepEqual(order, ['work', 'sleep']);
    await assert.rejects(awaitExternalWork(clock, Promise.reject(new Error('refused'))), /refused/);
  });
});
