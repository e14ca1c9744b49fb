/**
 * What a fingerprint catches: for a local file, any write (even one that keeps the size and puts the
 * modification time back with utimes, as the status-change time moves regardless) and a replacement; a
 * file changed just before the listing gets none (its coarse ctime could hide a second write); for a
 * remote store, the listing's strong ETag with size and time, and nothing for a weak ETag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fingerprintsOf } from './rerun-fingerprints.ts';

const LATER = 60_000; // A listing a minute after the writes: no file is "racy".

test('a local file keeps its fingerprint until written; an in-place write with utimes reset still shows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-fingerprint-'));
  try {
    const file = join(dir, 'a.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    const WHEN = 1_700_000_000; // A whole second, so utimes can put it back exactly.
    utimesSync(file, WHEN, WHEN);
    const backend = { localPath: (path: string) => Promise.resolve(join(dir, path)) };
    const entry = [{ path: 'a.csv', size: 8 }];
    const first = (await fingerprintsOf(backend, entry, Date.now() + LATER)).get('a.csv');
    assert.ok(first?.startsWith('local:'));
    assert.equal((await fingerprintsOf(backend, entry, Date.now() + LATER)).get('a.csv'), first, 'stable');

    // Same size, other bytes, the modification time put back: only the status-change time moved.
    const before = statSync(file, { bigint: true });
    await sleep(20); // Past the kernel's coarse clock tick, so the status-change time moves.
    writeFileSync(file, 'a,b\n3,4\n');
    utimesSync(file, WHEN, WHEN);
    const now = statSync(file, { bigint: true });
    assert.equal(now.mtimeNs, before.mtimeNs);
    assert.equal(now.ino, before.ino);
    assert.equal(now.size, before.size);
    const after = (await fingerprintsOf(backend, entry, Date.now() + LATER)).get('a.csv');
    assert.ok(after !== undefined && after !== first, 'the in-place write is seen');

    // Changed within a second before the listing: no fingerprint, so the file is hashed.
    assert.equal((await fingerprintsOf(backend, entry, Date.now())).size, 0);
    // Gone: no fingerprint either.
    rmSync(file);
    assert.equal((await fingerprintsOf(backend, entry, Date.now() + LATER)).size, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a remote file is fingerprinted by its strong ETag, size and time; a weak ETag gives none', async () => {
  const remote = { localPath: () => Promise.resolve(undefined) };
  const at = '2026-12-04T10:00:00.000Z';
  const prints = await fingerprintsOf(remote, [
    { path: 'strong.csv', size: 10, etag: '"0x8D"', lastModified: at },
    { path: 'weak.csv', size: 10, etag: 'W/"abc"', lastModified: at },
    { path: 'none.csv', size: 10, lastModified: at },
  ]);
  assert.deepEqual([...prints.keys()], ['strong.csv']);
  const other = await fingerprintsOf(remote, [
    { path: 'strong.csv', size: 10, etag: '"0x8E"', lastModified: at },
  ]);
  assert.notEqual(other.get('strong.csv'), prints.get('strong.csv'));
});
