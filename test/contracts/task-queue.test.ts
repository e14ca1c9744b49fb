/**
 * The task queue contract suite: every TaskQueue implementation must pass it unchanged.
 */
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskQueue } from '../../src/engine/queue/contract.ts';
import { createSqliteTaskQueue } from '../../src/engine/queue/sqlite-queue.ts';
import { createSqliteStore, type SqliteMetadataStore } from '../../src/store/sqlite/sqlite-store.ts';

interface Harness {
  queue: TaskQueue;
  advance(ms: number): void;
  now(): number;
  close(): Promise<void>;
}

const implementations: { name: string; open: (dir: string) => Harness }[] = [
  {
    name: 'sqlite',
    open(dir) {
      const store: SqliteMetadataStore = createSqliteStore(join(dir, 'meta.db'));
      let now = 1_000_000;
      return {
        queue: createSqliteTaskQueue(store.db, () => now),
        advance: (ms) => (now += ms),
        now: () => now,
        close: () => store.close(),
      };
    },
  },
];

const task = (job: string, index: number) => ({ id: `${job}-${index}`, job, index });

for (const impl of implementations) {
  describe(`TaskQueue contract: ${impl.name}`, () => {
    let dir: string;
    let h: Harness;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'ns-queue-'));
      h = impl.open(dir);
    });
    afterEach(async () => {
      await h.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('enqueue is idempotent by id and leases deliver each task once, in order', async () => {
      await h.queue.enqueue([task('a', 0), task('a', 1), task('a', 2)]);
      await h.queue.enqueue([task('a', 1)]);
      const first = await h.queue.lease('w1', 'a', 2, 1000);
      assert.deepEqual(
        first.map((t) => t.index),
        [0, 1],
      );
      const second = await h.queue.lease('w2', 'a', 5, 1000);
      assert.deepEqual(
        second.map((t) => t.index),
        [2],
      );
      assert.deepEqual(await h.queue.lease('w3', 'a', 5, 1000), []);
      assert.deepEqual(await h.queue.pending('a'), { ready: 0, leased: 3 });
    });

    test('leases are per job', async () => {
      await h.queue.enqueue([task('a', 0), task('b', 0)]);
      assert.deepEqual(
        (await h.queue.lease('w', 'b', 5, 1000)).map((t) => t.job),
        ['b'],
      );
    });

    test('ack removes, nack returns after its delay', async () => {
      await h.queue.enqueue([task('a', 0), task('a', 1)]);
      const [t0, t1] = await h.queue.lease('w', 'a', 2, 1000);
      assert.ok(t0 && t1);
      await h.queue.ack(t0.id, 'w');
      await h.queue.nack(t1.id, 'w', 500);
      assert.deepEqual(await h.queue.lease('w', 'a', 5, 1000), []);
      h.advance(501);
      assert.deepEqual(
        (await h.queue.lease('w', 'a', 5, 1000)).map((t) => t.index),
        [1],
      );
      assert.deepEqual(await h.queue.pending('a'), { ready: 0, leased: 1 });
    });

    test('expired leases are reclaimed; a heartbeat keeps a lease', async () => {
      await h.queue.enqueue([task('a', 0), task('a', 1)]);
      const [t0] = await h.queue.lease('w', 'a', 2, 1000);
      assert.ok(t0);
      h.advance(800);
      assert.equal(await h.queue.heartbeat(t0.id, 'w', 1000), true);
      assert.equal(await h.queue.heartbeat(t0.id, 'other', 1000), false);
      h.advance(500);
      assert.equal(await h.queue.reclaimExpired(h.now()), 1);
      assert.deepEqual(
        (await h.queue.lease('w2', 'a', 5, 1000)).map((t) => t.index),
        [1],
      );
    });

    test('removeJob drops every task of that job only', async () => {
      await h.queue.enqueue([task('a', 0), task('a', 1), task('b', 0)]);
      await h.queue.lease('w', 'a', 1, 1000);
      assert.equal(await h.queue.removeJob('a'), 2);
      assert.deepEqual(await h.queue.pending('b'), { ready: 1, leased: 0 });
    });
  });
}
