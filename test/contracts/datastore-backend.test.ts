/**
 * The datastore backend contract suite: every DatastoreBackend implementation (datastore-backends.ts) must
 * pass it unchanged. Containment through symbolic links is in datastore-backend-links.test.ts.
 */
import { after, test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { SMALL_WRITE_BYTES, type DatastoreBackend } from '../../src/storage/contract.ts';
import { fingerprintsOf } from '../../src/engine/rerun-fingerprints.ts';
import { describeContract } from './implementations.ts';
import {
  implementations,
  read,
  readFailure,
  refused,
  stopEmulators,
  withoutFacts,
  type Harness,
} from './datastore-backends.ts';

after(stopEmulators);

await describeContract('DatastoreBackend', implementations, (context) => {
  let h: Harness;
  let store: DatastoreBackend;
  beforeEach(() => {
    h = context.current();
    store = withoutFacts(h.backend);
  });

  test('a file has an ETag that changes when it is rewritten, and a time, in stat and list alike', async () => {
    await h.backend.write('facts/one.csv', 'a,b\n');
    const first = await h.backend.stat('facts/one.csv');
    assert.equal(typeof first?.etag, 'string');
    assert.ok(first?.lastModified && !Number.isNaN(Date.parse(first.lastModified)), 'an ISO time');
    assert.equal(await h.backend.stat('facts/one.csv').then((i) => i?.etag), first.etag, 'stable');
    const [listed] = await h.backend.list('facts');
    assert.equal(listed?.etag, first.etag);
    await h.backend.write('facts/one.csv', 'a,b\n1,2\n');
    assert.notEqual((await h.backend.stat('facts/one.csv'))?.etag, first.etag);
  });

  test("a rerun's fingerprint of a listed file stays while it is untouched and changes on a same-size rewrite", async () => {
    // As a rerun of what failed compares them (engine/rerun-fingerprints.ts); a listing a minute later,
    // so the local store's just-written file is not left out as "racy".
    const later = () => Date.now() + 60_000;
    await h.backend.write('prints/one.csv', 'a,b\n1,2\n');
    const listed = await h.backend.list('prints');
    const first = (await fingerprintsOf(h.backend, listed, later())).get('prints/one.csv');
    assert.ok(first !== undefined, 'every store gives a fingerprint');
    const again = await fingerprintsOf(h.backend, await h.backend.list('prints'), later());
    assert.equal(again.get('prints/one.csv'), first, 'stable while untouched');
    await h.backend.write('prints/one.csv', 'a,b\n3,4\n');
    const rewritten = await h.backend.list('prints');
    assert.equal(rewritten[0]?.size, listed[0]?.size);
    const after = await fingerprintsOf(h.backend, rewritten, later());
    assert.notEqual(after.get('prints/one.csv'), first);
  });

  test('write takes a string, a buffer or a stream, creates parent folders and reports the size', async () => {
    assert.deepEqual(await store.write('a/b/one.txt', 'héllo'), { size: 6 });
    assert.deepEqual(await store.write('two.bin', Buffer.from([1, 2, 3])), { size: 3 });
    assert.deepEqual(await store.write('c/three.txt', Readable.from(['x', 'yz'])), { size: 3 });
    assert.equal(await read(store, 'a/b/one.txt'), 'héllo');
    assert.equal(await read(store, 'c/three.txt'), 'xyz');
    await store.write('a/b/one.txt', 'replaced');
    assert.equal(await read(store, 'a/b/one.txt'), 'replaced');
  });

  test('bytes come back exactly: an empty file, binary data, several megabytes written in chunks', async () => {
    assert.deepEqual(await store.write('empty.txt', ''), { size: 0 });
    assert.equal(await read(store, 'empty.txt'), '');
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await store.write('bytes.bin', binary);
    assert.deepEqual(await buffer(store.openRead('bytes.bin')), binary);
    const chunk = Buffer.alloc(64 * 1024, 7);
    const chunks = Array.from({ length: 80 }, (_, i) => Buffer.concat([chunk, Buffer.from([i])]));
    const big = Buffer.concat(chunks);
    assert.deepEqual(await store.write('big.bin', Readable.from(chunks)), { size: big.length });
    assert.deepEqual(await buffer(store.openRead('big.bin')), big);
    assert.deepEqual(await store.list('', { recursive: true }), [
      { path: 'big.bin', size: big.length },
      { path: 'bytes.bin', size: 256 },
      { path: 'empty.txt', size: 0 },
    ]);
  });

  test('a byte range reads those bytes only, clipped to the file; a missing file is still a 404', async () => {
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));
    await store.write('ranged.bin', bytes);
    assert.deepEqual(
      await buffer(store.openRead('ranged.bin', { start: 10, end: 20 })),
      bytes.subarray(10, 20),
    );
    assert.deepEqual(await buffer(store.openRead('ranged.bin', { start: 0, end: 300 })), bytes);
    assert.deepEqual(
      await buffer(store.openRead('ranged.bin', { start: 250, end: 1000 })),
      bytes.subarray(250),
    );
    assert.equal((await buffer(store.openRead('ranged.bin', { start: 40, end: 40 }))).length, 0);
    assert.equal((await buffer(store.openRead('ranged.bin', { start: 300, end: 310 }))).length, 0);
    const failure = await readFailure(() => store.openRead('missing.bin', { start: 0, end: 5 }));
    assert.equal((failure as { status?: number } | undefined)?.status, 404, String(failure));
  });

  test('reading a missing file is a 404 and reading a folder a 400, before any data', async () => {
    await store.write('dir/file.csv', 'x');
    const failure = await readFailure(() => store.openRead('dir/missing.csv'));
    assert.equal((failure as { status?: number } | undefined)?.status, 404, String(failure));
    const folder = await readFailure(() => store.openRead('dir'));
    assert.equal((folder as { status?: number } | undefined)?.status, 400, String(folder));
  });

  test('stat tells files from folders and missing paths', async () => {
    await store.write('data/in.csv', 'x\n1\n');
    // More than one file under the folder: a remote store's "is it a folder" check then gets a cut page.
    await store.write('data/sub/more.csv', 'y');
    assert.deepEqual(await store.stat('data/in.csv'), { kind: 'file', size: 4 });
    assert.deepEqual(await store.stat('data'), { kind: 'folder', size: 0 });
    assert.equal((await store.stat(''))?.kind, 'folder');
    assert.equal(await store.stat('data/nope.csv'), undefined);
    assert.equal(await store.stat('nope/in.csv'), undefined);
    assert.equal(await store.stat('data/in.csv/below'), undefined);
  });

  test('list gives the top level unless recursive, sorted by path, with full datastore paths', async () => {
    for (const path of [
      'in/b.csv',
      'in/B.csv',
      'in/a.csv',
      'in/sub/c.csv',
      'in/sub/deeper/d.csv',
      'other.csv',
    ]) {
      await store.write(path, path);
    }
    assert.deepEqual(
      (await store.list('in')).map((f) => f.path),
      ['in/B.csv', 'in/a.csv', 'in/b.csv'],
    );
    assert.deepEqual(
      (await store.list('in', { recursive: true })).map((f) => f.path),
      ['in/B.csv', 'in/a.csv', 'in/b.csv', 'in/sub/c.csv', 'in/sub/deeper/d.csv'],
    );
    assert.deepEqual(await store.list('in/sub'), [{ path: 'in/sub/c.csv', size: 'in/sub/c.csv'.length }]);
    assert.deepEqual(
      (await store.list('')).map((f) => f.path),
      ['other.csv'],
    );
  });

  test('listing a missing folder or a file gives nothing', async () => {
    await store.write('f.csv', 'x');
    assert.deepEqual(await store.list('missing', { recursive: true }), []);
    assert.deepEqual(await store.list('f.csv'), []);
  });

  test('paths are normalised: extra slashes, dots and backslashes name the same file', async () => {
    await store.write('/a//b/./c.csv', 'same');
    assert.equal(await read(store, 'a/b/c.csv'), 'same');
    assert.equal(await read(store, 'a\\b\\c.csv'), 'same');
    assert.deepEqual(
      (await store.list('/a/b/')).map((f) => f.path),
      ['a/b/c.csv'],
    );
    assert.equal((await store.stat('a/./b//c.csv'))?.kind, 'file');
  });

  test("'..', over-long paths and over-long names are 400s naming the limit, before any file is touched", async () => {
    await assert.rejects(store.stat('a/../../etc/passwd'), refused(/'\.\.' is not allowed/));
    await assert.rejects(store.write('../up.txt', 'x'), refused(/'\.\.' is not allowed/));
    assert.throws(() => store.openRead('../x'), refused(/'\.\.' is not allowed/));
    const name = 'n'.repeat(256);
    await assert.rejects(store.write(`a/${name}.csv`, 'x'), refused(/longer than 255 bytes/));
    await assert.rejects(store.stat('é'.repeat(128)), refused(/longer than 255 bytes/));
    const long = Array.from({ length: 9 }, () => 'x'.repeat(120)).join('/');
    await assert.rejects(store.write(long, 'x'), refused(/at most 1024 characters/));
    await assert.rejects(store.list(long), refused(/at most 1024 characters/));
  });

  test('a write is atomic: until it ends, readers see the old file or none, and listings no part', async () => {
    await store.write('out/old.csv', 'old');
    const slowNew = new PassThrough();
    const slowOld = new PassThrough();
    const writingNew = store.write('out/new.csv', slowNew);
    const writingOld = store.write('out/old.csv', slowOld);
    slowNew.write('half of ');
    slowOld.write('half of ');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await store.stat('out/new.csv'), undefined);
    assert.equal(await read(store, 'out/old.csv'), 'old');
    assert.deepEqual(
      (await store.list('out', { recursive: true })).map((f) => f.path),
      ['out/old.csv'],
    );
    slowNew.end('the new file');
    slowOld.end('the new file');
    await Promise.all([writingNew, writingOld]);
    assert.equal(await read(store, 'out/new.csv'), 'half of the new file');
    assert.equal(await read(store, 'out/old.csv'), 'half of the new file');
  });

  test('a failed write leaves the old file and no part behind', async () => {
    await store.write('keep.csv', 'kept');
    const broken = new PassThrough();
    const writing = store.write('keep.csv', broken);
    broken.write('partial');
    broken.destroy(new Error('client went away'));
    await assert.rejects(writing, /client went away/);
    assert.equal(await read(store, 'keep.csv'), 'kept');
    assert.deepEqual(
      (await store.list('', { recursive: true })).map((f) => f.path),
      ['keep.csv'],
    );
  });

  test('a write onto a folder or below a file is a 400', async () => {
    await store.write('folder/inner.csv', 'x');
    await assert.rejects(store.write('folder', 'x'), refused(/folder/));
    await assert.rejects(store.write('folder/inner.csv/below.csv', 'x'), refused(/is a file/));
    await assert.rejects(store.write('', 'x'), refused(/not the datastore's root/));
  });

  test('folders a store has written under are still checked: no file onto them, none below a file', async () => {
    // Two writes into 'a/b', so a store that remembers the folders it found has seen 'a' and 'a/b'.
    await store.write('a/b/c.txt', 'c');
    await store.write('a/b/d.txt', 'd');
    await assert.rejects(store.write('a/b', 'x'), refused(/folder/));
    await assert.rejects(store.write('a/b/c.txt/d', 'x'), refused(/is a file/));
    // Emptied and written as a file by this very store: below it is below a file now.
    await store.remove('a/b', { recursive: true });
    await store.write('a/b', 'a file now');
    await assert.rejects(store.write('a/b/e.txt', 'x'), refused(/is a file/));
    assert.deepEqual(await store.list('a', { recursive: true }), [{ path: 'a/b', size: 10 }]);
  });

  test('a buffer up to SMALL_WRITE_BYTES and a stream or buffer over it come back byte for byte', async () => {
    // Bytes that differ along the file, so blocks sent out of order or twice would show.
    const pattern = (length: number, seed: number) => {
      const bytes = Buffer.alloc(length);
      for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed + (i >> 16)) % 251;
      return bytes;
    };
    const small = pattern(SMALL_WRITE_BYTES, 1);
    const over = pattern(SMALL_WRITE_BYTES + 1, 2);
    const chunks = [0, 1, 2, 3, 4].map((i) => pattern(1024 * 1024 + 7, i));
    const streamed = Buffer.concat(chunks);
    assert.deepEqual(await store.write('sizes/small.bin', small), { size: small.length });
    assert.deepEqual(await store.write('sizes/over.bin', over), { size: over.length });
    assert.deepEqual(await store.write('sizes/streamed.bin', Readable.from(chunks)), {
      size: streamed.length,
    });
    assert.ok(streamed.length > SMALL_WRITE_BYTES);
    assert.ok((await buffer(store.openRead('sizes/small.bin'))).equals(small), 'small buffer');
    assert.ok((await buffer(store.openRead('sizes/over.bin'))).equals(over), 'buffer over the limit');
    assert.ok((await buffer(store.openRead('sizes/streamed.bin'))).equals(streamed), 'stream');
  });

  test('remote stores: a second small write into a folder takes at most 2 requests', async () => {
    const requests = h.requests;
    if (!requests) {
      assert.equal(h.local, true, 'a remote store counts its requests');
      return;
    }
    const part = Buffer.alloc(64 * 1024, 1);
    await store.write('nightshift/jobs/j/parts/000001.part', part);
    const before = requests();
    await store.write('nightshift/jobs/j/parts/000002.part', part);
    const spent = requests() - before;
    // Whether the path is a folder, and the upload; the folders on the way were checked by the first.
    assert.ok(spent <= 2, `${String(spent)} requests`);
    assert.ok(spent >= 1, 'the count sees the requests');
  });

  test('remove deletes a file, or a folder with recursive; missing paths are fine; the root is refused', async () => {
    await store.write('r/a.csv', 'a');
    await store.write('r/sub/b.csv', 'b');
    await store.remove('r/a.csv');
    assert.equal(await store.stat('r/a.csv'), undefined);
    await store.remove('r/never-was.csv');
    await store.remove('r', { recursive: true });
    assert.equal(await store.stat('r'), undefined);
    await assert.rejects(store.remove('', { recursive: true }), refused(/root cannot be removed/));
  });

  test('localPath gives a readable path on this machine for local stores only', async () => {
    await store.write('p/q.csv', 'local');
    const local = await store.localPath('p/q.csv');
    if (!h.local) {
      assert.equal(local, undefined);
      return;
    }
    assert.ok(local !== undefined);
    assert.equal(readFileSync(local, 'utf8'), 'local');
    await assert.rejects(store.localPath('../q.csv'), refused(/'\.\.' is not allowed/));
  });

  test('openWriter (stores on this machine): pieces from one reused buffer, seen only at commit', async () => {
    if (!store.openWriter) {
      assert.equal(h.local, false, 'a store on this machine has a writer');
      return;
    }
    await store.write('w/old.csv', 'old');
    const writer = await store.openWriter('w/old.csv');
    const buffer = Buffer.alloc(4);
    for (const piece of ['abcd', 'efgh', 'ij']) {
      await writer.write(buffer.subarray(0, buffer.write(piece)));
    }
    const paths = async () => (await store.list('w', { recursive: true })).map((f) => f.path);
    assert.equal(await read(store, 'w/old.csv'), 'old');
    assert.deepEqual(await paths(), ['w/old.csv']);
    assert.deepEqual(await writer.commit(), { size: 10 });
    assert.equal(await read(store, 'w/old.csv'), 'abcdefghij');
    const dropped = await store.openWriter('w/dropped.csv');
    await dropped.write(Buffer.from('x'));
    await dropped.discard();
    assert.deepEqual(await paths(), ['w/old.csv']);
    await assert.rejects(store.openWriter('../w.csv'), refused(/'\.\.' is not allowed/));
    await assert.rejects(store.openWriter(''), refused(/not the datastore's root/));
  });
});
