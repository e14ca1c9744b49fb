import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { createLocalFolderDatastore } from './local-folder.ts';

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ns-local-folder-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

test('a datastore whose folder is reached through a link works inside the real folder', async (t) => {
  const dir = scratch(t);
  mkdirSync(join(dir, 'real'));
  writeFileSync(join(dir, 'real', 'f.csv'), 'f');
  symlinkSync(join(dir, 'real'), join(dir, 'alias'));
  const store = createLocalFolderDatastore(join(dir, 'alias'));
  assert.equal(await text(store.openRead('f.csv')), 'f');
  assert.equal(await store.localPath('f.csv'), join(dir, 'real', 'f.csv'));
  await store.write('g.csv', 'g');
  assert.deepEqual(
    (await store.list('')).map((f) => f.path),
    ['f.csv', 'g.csv'],
  );
});

test('a FIFO or a folder is not a file: no stat, no listing, and reading it is refused at once', async (t) => {
  const dir = scratch(t);
  execFileSync('mkfifo', [join(dir, 'pipe')]);
  mkdirSync(join(dir, 'folder'));
  const store = createLocalFolderDatastore(dir);
  assert.equal(await store.stat('pipe'), undefined);
  assert.deepEqual(await store.list('', { recursive: true }), []);
  assert.throws(() => store.openRead('pipe'), /'pipe' is not a file/);
  assert.throws(() => store.openRead('folder'), /'folder' is not a file/);
  assert.throws(() => store.openRead('missing.csv'), { status: 404 });
});

test('a path the file system cannot hold is a 400 naming the limit, not ENAMETOOLONG', async (t) => {
  const dir = scratch(t);
  // The path passes the datastore's own limits; the root is deep enough that root + path exceeds
  // PATH_MAX (4,096 bytes).
  let root = dir;
  for (let i = 0; i < 15; i++) root = join(root, 'r'.repeat(250));
  mkdirSync(root, { recursive: true });
  const store = createLocalFolderDatastore(root);
  const path = `${'p'.repeat(250)}/${'q'.repeat(250)}/x.csv`;
  await assert.rejects(store.write(path, 'x'), {
    status: 400,
    message: /longer than this server's file system allows/,
  });
  await assert.rejects(store.stat(path), { status: 400 });
});
