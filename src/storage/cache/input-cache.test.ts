/**
 * The input cache against a real Blob service (Azurite), directly and through a proxy that injects
 * storage faults: one download per object version shared by concurrent callers, a changed object
 * fetched again, transient 503s and a dropped connection retried, a persistent failure named by
 * datastore, path and storage code (never the key or a signed URL), LRU eviction that spares pinned
 * entries, and prefetch. The SDK's own retries are turned off (maxTries 1) so the cache's are tested.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../../../test/helpers/azurite.ts';
import { startFaultyProxy, type FaultyProxy } from '../../../test/helpers/faulty-proxy.ts';
import { blobDatastoreOver } from '../azure-blob/azure-blob.ts';
import { containerClientOf } from '../azure-blob/connection.ts';
import type { DatastoreBackend } from '../contract.ts';
import { createInputCache, newTally, type InputCache, type RemoteFile } from './input-cache.ts';

const CONTAINER = 'cache-test';
const FAST = { tries: 4, baseDelayMs: 5, maxDelayMs: 20 };
let azurite: Azurite;
let proxy: FaultyProxy;
let direct: DatastoreBackend;
let proxied: DatastoreBackend;
let scratch: string;

const backendAt = (endpoint: string) =>
  blobDatastoreOver(
    containerClientOf(
      { accountName: DEV_ACCOUNT, containerName: CONTAINER, endpoint, credential: { accountKey: DEV_KEY } },
      { maxTries: 1 },
    ),
  );

before(async () => {
  azurite = await startAzurite();
  proxy = await startFaultyProxy(azurite.accountUrl);
  await containerClientOf({
    accountName: DEV_ACCOUNT,
    containerName: CONTAINER,
    endpoint: azurite.accountUrl,
    credential: { accountKey: DEV_KEY },
  }).create();
  direct = backendAt(azurite.accountUrl);
  proxied = backendAt(proxy.accountUrl);
  scratch = await mkdtemp(join(tmpdir(), 'ns-cache-test-'));
});

after(async () => {
  await proxy.stop();
  await azurite.stop();
  await rm(scratch, { recursive: true, force: true });
});

let caches = 0;
const newCache = (maxBytes = 1024 ** 3): InputCache =>
  createInputCache({ dir: join(scratch, `cache-${String(caches++)}`), maxBytes, retry: FAST });

const file = (backend: DatastoreBackend, path: string): RemoteFile => ({
  store: 'blob-test',
  datastore: 'blobstore',
  backend,
  path,
});

test('a file is downloaded once, under its own name, and shared by concurrent and later callers', async () => {
  const body = 'a,b\n'.repeat(50_000);
  await direct.write('once/data.csv', body);
  const cache = newCache();
  const tally = newTally();
  const paths = await Promise.all([1, 2, 3].map(() => cache.fetch(file(direct, 'once/data.csv'), tally)));
  assert.equal(new Set(paths).size, 1);
  const [local] = paths as [string];
  assert.equal(basename(local), 'data.csv');
  assert.equal(await readFile(local, 'utf8'), body);
  assert.deepEqual(tally, { files: 1, bytes: body.length, hits: 2 });
  await cache.fetch(file(direct, 'once/data.csv'), tally);
  assert.equal(tally.files, 1, 'a later fetch downloads nothing');
  assert.equal((await stat(cache.dir)).mode & 0o777, 0o700);
});

test('a changed object (new ETag) is downloaded again', async () => {
  await direct.write('change/x.csv', 'one\n');
  const cache = newCache();
  const tally = newTally();
  const first = await cache.fetch(file(direct, 'change/x.csv'), tally);
  await direct.write('change/x.csv', 'two, longer\n');
  const second = await cache.fetch(file(direct, 'change/x.csv'), tally);
  assert.notEqual(first, second);
  assert.equal(await readFile(second, 'utf8'), 'two, longer\n');
  assert.equal(tally.files, 2);
});

test('transient 503s and a dropped connection are retried and the download completes', async () => {
  await direct.write('flaky/a.csv', 'x\n'.repeat(100_000));
  await direct.write('flaky/b.csv', 'y\n'.repeat(100_000));
  const busy = proxy.fail({
    match: /^GET .*\/flaky\/a\.csv$/,
    times: 2,
    fault: { status: 503, code: 'ServerBusy' },
  });
  const dropped = proxy.fail({ match: /^GET .*\/flaky\/b\.csv$/, times: 1, fault: 'drop' });
  const cache = newCache();
  const a = await cache.fetch(file(proxied, 'flaky/a.csv'));
  const b = await cache.fetch(file(proxied, 'flaky/b.csv'));
  assert.equal(busy.injected(), 2);
  assert.equal(dropped.injected(), 1);
  assert.equal((await stat(a)).size, 200_000);
  assert.equal(await readFile(b, 'utf8'), 'y\n'.repeat(100_000));
});

test('a persistent failure names the datastore, the file and the storage code, and nothing secret', async () => {
  await direct.write('down/c.csv', 'z\n');
  const fault = proxy.fail({
    match: /^GET .*\/down\/c\.csv$/,
    times: Infinity,
    fault: { status: 503, code: 'ServerBusy' },
  });
  const cache = newCache();
  await assert.rejects(cache.fetch(file(proxied, 'down/c.csv')), (error: Error) => {
    assert.equal(
      error.message,
      "Reading 'down/c.csv' from datastore 'blobstore' failed with ServerBusy (HTTP 503) after 4 tries.",
    );
    assert.doesNotMatch(error.message, /sig=|http:|Eby8vdM02/);
    return true;
  });
  assert.equal(fault.injected(), 4);
  const missing = cache.fetch(file(direct, 'down/nothing.csv'));
  await assert.rejects(missing, /'down\/nothing\.csv' is not a file in datastore 'blobstore'/);
});

test('past the cap, least recently used entries go, but never one a mini-batch still holds', async () => {
  for (const name of ['1', '2', '3']) await direct.write(`lru/${name}.bin`, Buffer.alloc(1000, name));
  const cache = newCache(2500);
  const held = await cache.fetch(file(direct, 'lru/1.bin'));
  const second = await cache.fetch(file(direct, 'lru/2.bin'));
  cache.release(second);
  const third = await cache.fetch(file(direct, 'lru/3.bin'));
  const exists = async (path: string) => Boolean(await stat(path).catch(() => undefined));
  assert.equal(await exists(held), true, 'the held entry stays, though it is the oldest');
  assert.equal(await exists(second), false, 'the least recently used free entry went');
  assert.equal(await exists(third), true);
});

test('a prefetched file is served from the cache when the mini-batch asks for it', async () => {
  await direct.write('pre/p.csv', 'p\n'.repeat(1000));
  const cache = newCache();
  const tally = newTally();
  cache.prefetch(file(direct, 'pre/p.csv'), tally);
  cache.prefetch(file(direct, 'pre/missing.csv'), tally);
  await cache.idle();
  assert.equal(tally.files, 1);
  await cache.fetch(file(direct, 'pre/p.csv'), tally);
  // Downloaded once, by the job's own prefetch: that is its download, not a hit.
  assert.deepEqual(tally, { files: 1, bytes: 2000, hits: 0 });
  assert.equal(cache.totals().files >= 1, true);
  // Another job reading it is served by the cache: a hit, and nothing downloaded.
  const other = newTally();
  await cache.fetch(file(direct, 'pre/p.csv'), other);
  assert.deepEqual(other, { files: 0, bytes: 0, hits: 1 });
});

test('a prefetch tries once; the mini-batch that needs the file then downloads it on its own tries', async () => {
  await direct.write('pre/once.csv', 'o\n');
  const busy = proxy.fail({
    match: /^GET .*\/pre\/once\.csv$/,
    times: 1,
    fault: { status: 503, code: 'ServerBusy' },
  });
  const cache = newCache();
  const tally = newTally();
  cache.prefetch(file(proxied, 'pre/once.csv'), tally);
  await cache.idle();
  assert.equal(tally.files, 0, 'the prefetch failed and nothing is cached');
  assert.equal(busy.injected(), 1);
  assert.equal(await readFile(await cache.fetch(file(proxied, 'pre/once.csv'), tally), 'utf8'), 'o\n');
  assert.equal(tally.files, 1);
});
