import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { SMALL_WRITE_BYTES, type DatastoreBackend } from '../../storage/contract.ts';
import { createLocalFolderDatastore } from '../../storage/local/local-folder.ts';
import { fetchFolder, folderDigest, partKey, publishFolder, uploadPart } from './artifact-store.ts';

const made: string[] = [];
after(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function setUp() {
  const root = await mkdtemp(join(tmpdir(), 'ns-artifacts-'));
  made.push(root);
  const model = join(root, 'model');
  await mkdir(join(model, 'sub'), { recursive: true });
  await writeFile(join(model, 'MLmodel'), 'flavors: {}\n');
  await writeFile(join(model, 'sub', 'weights.bin'), Buffer.from([1, 2, 3]));
  await mkdir(join(root, 'store'));
  return { root, model, backend: createLocalFolderDatastore(join(root, 'store')) };
}

test('a folder published under its digest is fetched whole, once, into the cache', async () => {
  const { root, model, backend } = await setUp();
  const digest = await publishFolder(backend, model);
  assert.equal(digest, await folderDigest(model));
  // Publishing again finds the index and uploads nothing new.
  assert.equal(await publishFolder(backend, model), digest);
  const local = await fetchFolder(backend, digest, join(root, 'cache'));
  assert.equal(await readFile(join(local, 'MLmodel'), 'utf8'), 'flavors: {}\n');
  assert.deepEqual([...(await readFile(join(local, 'sub', 'weights.bin')))], [1, 2, 3]);
  assert.equal(await fetchFolder(backend, digest, join(root, 'cache')), local);
});

test('a file swapped in the artifact store after publishing is refused, and nothing is cached', async () => {
  const { root, model, backend } = await setUp();
  const digest = await publishFolder(backend, model);
  await backend.write(`nightshift/artifacts/${digest}/files/MLmodel`, 'flavors: {evil: true}\n');
  await assert.rejects(fetchFolder(backend, digest, join(root, 'cache')), /does not match its digest/);
  await assert.rejects(readFile(join(root, 'cache', digest, 'MLmodel')), { code: 'ENOENT' });
});

test('an index naming a path out of the folder, or a digest that is not one, is refused', async () => {
  const { root, backend } = await setUp();
  const digest = 'a'.repeat(64);
  const index = { files: [{ path: '../../escaped', size: 1 }] };
  await backend.write(`nightshift/artifacts/${digest}/index.json`, JSON.stringify(index));
  await assert.rejects(fetchFolder(backend, digest, join(root, 'cache')), /escapes/);
  await assert.rejects(fetchFolder(backend, '../x', join(root, 'cache')), /not an artifact digest/);
});

test('a part up to SMALL_WRITE_BYTES goes up as one buffer, a bigger one as a stream, both whole', async () => {
  const { root, backend } = await setUp();
  const given: string[] = [];
  const watched: DatastoreBackend = {
    ...backend,
    write(path, data) {
      given.push(Buffer.isBuffer(data) ? 'buffer' : data instanceof Readable ? 'stream' : 'string');
      return backend.write(path, data);
    },
  };
  const small = Buffer.alloc(SMALL_WRITE_BYTES, 1);
  const big = Buffer.alloc(SMALL_WRITE_BYTES + 1, 2);
  await writeFile(join(root, 'small.part'), small);
  await writeFile(join(root, 'big.part'), big);
  await uploadPart(watched, 'job-1', 1, join(root, 'small.part'));
  await uploadPart(watched, 'job-1', 2, join(root, 'big.part'));
  assert.deepEqual(given, ['buffer', 'stream']);
  assert.ok((await buffer(backend.openRead(partKey('job-1', 1)))).equals(small));
  assert.ok((await buffer(backend.openRead(partKey('job-1', 2)))).equals(big));
});
