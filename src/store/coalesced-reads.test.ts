import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coalesceReads } from './coalesced-reads.ts';

/** A record whose reads are started by the test and finished when it says, each seeing `value` then. */
function controlledStore() {
  let value = 0;
  const reads: { finish: () => void }[] = [];
  return {
    set: (v: number) => (value = v),
    read: () =>
      new Promise<number>((resolve) => {
        // The read sees what was committed when it began.
        const seen = value;
        reads.push({
          finish: () => {
            resolve(seen);
          },
        });
      }),
    reads,
  };
}

test('a caller is never answered by a read that began before it arrived', async () => {
  const store = controlledStore();
  const get = coalesceReads(store.read);
  const early = get('job');
  store.set(1); // the next caller's own write, committed after the first read began
  const late = get('job');
  store.reads[0]?.finish();
  assert.equal(await early, 0);
  // Its read begins only once the first has ended, and sees the write.
  assert.equal(store.reads.length, 2);
  store.reads[1]?.finish();
  assert.equal(await late, 1);
});

test('many callers at once cost one read under way and one waiting', async () => {
  const store = controlledStore();
  const get = coalesceReads(store.read);
  const first = get('job');
  const waiting = Array.from({ length: 50 }, () => get('job'));
  assert.equal(store.reads.length, 1);
  store.reads[0]?.finish();
  await first;
  assert.equal(store.reads.length, 2);
  store.reads[1]?.finish();
  assert.deepEqual(new Set(await Promise.all(waiting)), new Set([0]));
  // Idle again: the next caller starts a read of its own at once.
  void get('job');
  assert.equal(store.reads.length, 3);
});

test('keys do not wait for each other, and a failed read fails only those it served', async () => {
  let fail = true;
  const get = coalesceReads((key: string) =>
    fail && key === 'a' ? Promise.reject(new Error('down')) : Promise.resolve(key),
  );
  const a = get('a');
  const b = get('b');
  await assert.rejects(a, /down/);
  assert.equal(await b, 'b');
  fail = false;
  assert.equal(await get('a'), 'a');
});
