/**
 * The task queue contract suite: every TaskQueue implementation must pass it unchanged (the leased
 * SQLite table, BullMQ on Redis). Each runs on a clock the suite moves, so lease expiry and nack delays
 * are tested without waiting and without timing thresholds. The queue only carries mini-batch ids;
 * delivery is at least once (a lost lease is delivered again), which is why the metadata store, not the
 * queue, keeps state. The BullMQ queue of each test works under a key prefix of its own (named after the
 * test's folder, so a reopen finds the same keys), deleted after the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { createBullmqTaskQueue } from '../../src/engine/queue/bullmq-queue.ts';
import type { TaskQueue } from '../../src/engine/queue/contract.ts';
import { createSqliteTaskQueue } from '../../src/engine/queue/sqlite-queue.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { needs, REDIS, testRedisUrl } from '../helpers/components.ts';
import { deleteRedisKeys } from '../helpers/redis.ts';
import { describeContract, type Implementation } from './implementations.ts';

interface Harness {
  queue: TaskQueue;
  /** Moves the queue's clock forward (epoch ms). */
  advance(ms: number): void;
  now(): number;
  close(): Promise<void>;
}

const implementations: Implementation<Harness>[] = [
  {
    name: 'sqlite',
    open(dir) {
      const store = createSqliteStore(join(dir, 'meta.db'));
      let now = 1_000_000;
      return {
        queue: createSqliteTaskQueue(store.db, () => now),
        advance: (ms) => (now += ms),
        now: () => now,
        close: () => store.close(),
      };
    },
  },
  {
    name: 'bullmq',
    requires: () => needs(REDIS),
    open(dir) {
      let now = 1_000_000;
      const queue = createBullmqTaskQueue({
        connection: testRedisUrl(),
        prefix: redisPrefixOf(dir),
        now: () => now,
      });
      return {
        queue,
        advance: (ms) => (now += ms),
        now: () => now,
        close: () => queue.close(),
      };
    },
    async discard(dir) {
      await deleteRedisKeys(testRedisUrl(), redisPrefixOf(dir));
    },
  },
];

function redisPrefixOf(dir: string): string {
  return `nightshift-test-${basename(dir)}`;
}

const task = (job: string, index: number) => ({ id: `${job}-${index}`, job, index });
const indexes = (tasks: { index: number }[]) => tasks.map((t) => t.index);

await describeContract('TaskQueue', implementations, (context) => {
  const h = () => context.current();

  test('enqueue is idempotent by id and leases deliver each task once, in order', async () => {
    await h().queue.enqueue([task('a', 0), task('a', 1), task('a', 2)]);
    await h().queue.enqueue([task('a', 1)]);
    assert.deepEqual(indexes(await h().queue.lease('w1', 'a', 2, 1000)), [0, 1]);
    assert.deepEqual(indexes(await h().queue.lease('w2', 'a', 5, 1000)), [2]);
    assert.deepEqual(await h().queue.lease('w3', 'a', 5, 1000), []);
    assert.deepEqual(await h().queue.pending('a'), { ready: 0, leased: 3 });
  });

  test('enqueueing a leased task again leaves its lease alone; an acked one can be enqueued again', async () => {
    await h().queue.enqueue([task('a', 0)]);
    const [leased] = await h().queue.lease('w', 'a', 1, 1000);
    assert.ok(leased);
    await h().queue.enqueue([task('a', 0)]);
    assert.deepEqual(await h().queue.pending('a'), { ready: 0, leased: 1 });
    assert.deepEqual(await h().queue.lease('w2', 'a', 5, 1000), []);
    await h().queue.ack(leased.id, 'w');
    await h().queue.enqueue([task('a', 0)]);
    assert.deepEqual(indexes(await h().queue.lease('w2', 'a', 5, 1000)), [0]);
  });

  test('leases are per job, and a lease of nothing gives nothing', async () => {
    await h().queue.enqueue([task('a', 0), task('b', 0)]);
    assert.deepEqual(
      (await h().queue.lease('w', 'b', 5, 1000)).map((t) => t.job),
      ['b'],
    );
    assert.deepEqual(await h().queue.lease('w', 'a', 0, 1000), []);
    assert.deepEqual(await h().queue.lease('w', 'none', 5, 1000), []);
    assert.deepEqual(await h().queue.pending('a'), { ready: 1, leased: 0 });
  });

  test('ack removes, nack returns after its delay and still counts as pending meanwhile', async () => {
    await h().queue.enqueue([task('a', 0), task('a', 1), task('a', 2)]);
    const [t0, t1, t2] = await h().queue.lease('w', 'a', 3, 1000);
    assert.ok(t0 && t1 && t2);
    await h().queue.ack(t0.id, 'w');
    await h().queue.nack(t1.id, 'w', 500);
    await h().queue.nack(t2.id, 'w', 0);
    assert.deepEqual(indexes(await h().queue.lease('w', 'a', 5, 1000)), [2]);
    const waiting = await h().queue.pending('a');
    assert.equal(waiting.ready + waiting.leased, 2);
    h().advance(501);
    assert.deepEqual(indexes(await h().queue.lease('w', 'a', 5, 1000)), [1]);
    assert.deepEqual(await h().queue.pending('a'), { ready: 0, leased: 2 });
  });

  test('expired leases are reclaimed; a heartbeat keeps a lease', async () => {
    await h().queue.enqueue([task('a', 0), task('a', 1)]);
    const [t0] = await h().queue.lease('w', 'a', 2, 1000);
    assert.ok(t0);
    h().advance(800);
    assert.equal(await h().queue.heartbeat(t0.id, 'w', 1000), true);
    assert.equal(await h().queue.heartbeat(t0.id, 'other', 1000), false);
    h().advance(500);
    assert.equal(await h().queue.reclaimExpired(h().now()), 1);
    assert.deepEqual(indexes(await h().queue.lease('w2', 'a', 5, 1000)), [1]);
    assert.equal(await h().queue.reclaimExpired(h().now()), 0);
  });

  test('a worker that lost its lease can neither ack, nack nor extend the new holder', async () => {
    await h().queue.enqueue([task('a', 0)]);
    const [first] = await h().queue.lease('old', 'a', 1, 1000);
    assert.ok(first);
    h().advance(1001);
    assert.equal(await h().queue.reclaimExpired(h().now()), 1);
    assert.deepEqual(indexes(await h().queue.lease('new', 'a', 1, 1000)), [0]);
    assert.equal(await h().queue.heartbeat(first.id, 'old', 1000), false);
    await h().queue.ack(first.id, 'old');
    await h().queue.nack(first.id, 'old', 0);
    assert.deepEqual(await h().queue.pending('a'), { ready: 0, leased: 1 });
    assert.equal(await h().queue.heartbeat(first.id, 'new', 1000), true);
  });

  test('tasks outlive a restart, after which every lease is reclaimed at once and delivered again', async () => {
    await h().queue.enqueue([task('a', 0), task('a', 1)]);
    await h().queue.lease('before-crash', 'a', 2, 60_000);
    const { queue } = await context.reopen();
    assert.deepEqual(await queue.pending('a'), { ready: 0, leased: 2 });
    assert.equal(await queue.reclaimExpired(Number.MAX_SAFE_INTEGER), 2);
    assert.deepEqual(indexes(await queue.lease('after', 'a', 5, 60_000)), [0, 1]);
  });

  test('owners leasing one job at the same time never get the same task', async () => {
    const all = Array.from({ length: 30 }, (_, i) => task('a', i));
    await h().queue.enqueue(all);
    const leaseAll = async (owner: string) => {
      const mine: number[] = [];
      for (;;) {
        const batch = await h().queue.lease(owner, 'a', 2, 1000);
        if (batch.length === 0) return mine;
        mine.push(...indexes(batch));
      }
    };
    const got = await Promise.all(['w1', 'w2', 'w3', 'w4', 'w5'].map(leaseAll));
    assert.deepEqual(
      got.flat().sort((x, y) => x - y),
      indexes(all),
    );
    assert.deepEqual(await h().queue.pending('a'), { ready: 0, leased: 30 });
  });

  test('another owner can neither ack, nack nor extend a task it does not hold', async () => {
    await h().queue.enqueue([task('a', 0), task('a', 1)]);
    const [held] = await h().queue.lease('w', 'a', 1, 1000);
    assert.ok(held);
    await h().queue.ack(held.id, 'x');
    await h().queue.nack(held.id, 'x', 0);
    assert.equal(await h().queue.heartbeat(held.id, 'x', 1000), false);
    assert.deepEqual(await h().queue.pending('a'), { ready: 1, leased: 1 });
    assert.deepEqual(indexes(await h().queue.lease('x', 'a', 5, 1000)), [1]);
    // Nor can the first owner touch the task the other one holds.
    await h().queue.nack(task('a', 1).id, 'w', 0);
    assert.equal(await h().queue.heartbeat(held.id, 'w', 1000), true);
    await h().queue.ack(held.id, 'w');
    assert.deepEqual(await h().queue.pending('a'), { ready: 0, leased: 1 });
  });

  test('ids no queue knows: heartbeat is false, ack, nack and removeJob do nothing', async () => {
    await h().queue.enqueue([task('a', 0)]);
    assert.equal(await h().queue.heartbeat('nowhere-0', 'w', 1000), false);
    await h().queue.ack('nowhere-0', 'w');
    await h().queue.nack('nowhere-0', 'w', 0);
    assert.equal(await h().queue.heartbeat(task('a', 0).id, 'w', 1000), false);
    assert.equal(await h().queue.removeJob('nowhere'), 0);
    assert.equal(await h().queue.reclaimExpired(Number.MAX_SAFE_INTEGER), 0);
    assert.deepEqual(await h().queue.pending('a'), { ready: 1, leased: 0 });
  });

  test('a task put back (nacked, or its lease expired) is leased again before those never leased', async () => {
    await h().queue.enqueue([task('a', 0), task('a', 1), task('a', 2)]);
    const [first] = await h().queue.lease('w', 'a', 1, 1000);
    assert.ok(first);
    await h().queue.nack(first.id, 'w', 0);
    assert.deepEqual(indexes(await h().queue.lease('w', 'a', 1, 1000)), [0]);
    h().advance(1001);
    assert.equal(await h().queue.reclaimExpired(h().now()), 1);
    assert.deepEqual(indexes(await h().queue.lease('w2', 'a', 1, 1000)), [0]);
  });

  test('reclaim takes the leases that ended before asOf, not one that ends at it', async () => {
    await h().queue.enqueue([task('a', 0)]);
    const leasedAt = h().now();
    await h().queue.lease('w', 'a', 1, 1000);
    assert.equal(await h().queue.reclaimExpired(leasedAt + 1000), 0);
    assert.equal(await h().queue.reclaimExpired(leasedAt + 1001), 1);
  });

  test('job names and task ids are opaque text (separators, escapes, digits only)', async () => {
    const job = 'a:b %41/é';
    const odd = [
      { id: '7', job, index: 0 },
      { id: 'x:y%3Az', job, index: 1 },
    ];
    await h().queue.enqueue([...odd, task('a:b', 0)]);
    await h().queue.enqueue(odd);
    assert.deepEqual(await h().queue.lease('w', job, 5, 1000), odd);
    assert.equal(await h().queue.heartbeat('7', 'w', 1000), true);
    await h().queue.ack('x:y%3Az', 'w');
    assert.deepEqual(await h().queue.pending(job), { ready: 0, leased: 1 });
    assert.deepEqual(await h().queue.pending('a:b'), { ready: 1, leased: 0 });
    assert.equal(await h().queue.removeJob(job), 1);
  });

  test('removeJob drops every task of that job only, leased ones included; the job can come back', async () => {
    await h().queue.enqueue([task('a', 0), task('a', 1), task('b', 0)]);
    const [leased] = await h().queue.lease('w', 'a', 1, 1000);
    assert.ok(leased);
    assert.equal(await h().queue.removeJob('a'), 2);
    assert.deepEqual(await h().queue.pending('a'), { ready: 0, leased: 0 });
    assert.equal(await h().queue.heartbeat(leased.id, 'w', 1000), false);
    await h().queue.ack(leased.id, 'w');
    assert.deepEqual(await h().queue.pending('b'), { ready: 1, leased: 0 });
    await h().queue.enqueue([task('a', 0)]);
    assert.deepEqual(indexes(await h().queue.lease('w', 'a', 5, 1000)), [0]);
  });
});
