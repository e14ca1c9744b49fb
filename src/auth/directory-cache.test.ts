import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheDirectory } from './directory-cache.ts';

/** A directory whose reads are counted and whose content is the read's number. */
function counted() {
  let reads = 0;
  return {
    load: () => Promise.resolve((reads += 1)),
    reads: () => reads,
  };
}

test('embedded: read once, and again only after a change of its own', async () => {
  const source = counted();
  const cache = cacheDirectory(source.load);
  assert.equal(await cache.get(), 1);
  assert.equal(await cache.get(), 1);
  await cache.changed();
  assert.equal(await cache.get(), 2);
  assert.equal(source.reads(), 2);
});

test('scaled out: a copy older than its ttl is read again, a younger one is not', async () => {
  const source = counted();
  let now = 0;
  const cache = cacheDirectory(source.load, { ttlMs: 5000, now: () => now });
  assert.equal(await cache.get(), 1);
  now = 4999;
  assert.equal(await cache.get(), 1);
  now = 5000;
  assert.equal(await cache.get(), 2);
});

test('a miss reads again once for all who missed together, not once each', async () => {
  const source = counted();
  const cache = cacheDirectory(source.load);
  const seen = cache.get();
  await seen;
  const [a, b] = [cache.reload(seen), cache.reload(seen)];
  assert.deepEqual([await a, await b], [2, 2]);
  assert.equal(source.reads(), 2);
});

test('a failed read is not kept: the next get reads again', async () => {
  let fail = true;
  const cache = cacheDirectory(() => (fail ? Promise.reject(new Error('down')) : Promise.resolve('up')));
  await assert.rejects(cache.get(), /down/);
  fail = false;
  assert.equal(await cache.get(), 'up');
});
