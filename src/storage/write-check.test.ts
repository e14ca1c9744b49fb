/**
 * The check before a write to a store without folders: which questions it asks the service once it
 * remembers folders, and how the memory is bounded in time and size.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { folderMemo, writeCheck, type PathProbes } from './write-check.ts';

/** Probes over a set of file paths (folders are the prefixes of those), recording every question. */
function probesOver(files: Set<string>): PathProbes & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    isFolder: (clean) => {
      asked.push(`folder? ${clean}`);
      return Promise.resolve([...files].some((f) => f.startsWith(`${clean}/`)));
    },
    isFile: (clean) => {
      asked.push(`file? ${clean}`);
      return Promise.resolve(files.has(clean));
    },
  };
}

test('a second write under the same folders asks only whether its own path is a folder', async () => {
  const probes = probesOver(new Set());
  const check = writeCheck(probes);
  await check('a/b/one.part');
  assert.deepEqual(probes.asked.sort(), ['file? a', 'file? a/b', 'folder? a/b/one.part']);
  probes.asked.length = 0;
  await check('a/b/two.part');
  assert.deepEqual(probes.asked, ['folder? a/b/two.part']);
  probes.asked.length = 0;
  await check('a/c/three.part');
  assert.deepEqual(probes.asked.sort(), ['file? a/c', 'folder? a/c/three.part']);
});

test('a refused write remembers nothing, and a file written where a folder was is asked about again', async () => {
  const files = new Set(['x/y']);
  const probes = probesOver(files);
  const check = writeCheck(probes);
  await assert.rejects(check('x/y/z'), /a folder on the way is a file/);
  probes.asked.length = 0;
  await assert.rejects(check('x/y/z'), /a folder on the way is a file/);
  assert.ok(probes.asked.includes('file? x'), 'x was not remembered from the refused write');
  files.clear();
  await check('p/q/r');
  await check('p/q');
  files.add('p/q');
  await assert.rejects(check('p/q/s'), /a folder on the way is a file/);
  await assert.rejects(check(''), /not the datastore's root/);
});

test('a folder is remembered for the time-to-live after its check, not after later writes', () => {
  let now = 0;
  const memo = folderMemo({ ttlMs: 100, now: () => now });
  memo.remember(['a']);
  now = 60;
  // Found at 60 (a write that skipped the question): the expiry stays at 100.
  assert.equal(memo.has('a'), true);
  now = 100;
  assert.equal(memo.has('a'), true);
  now = 101;
  assert.equal(memo.has('a'), false);
  assert.equal(memo.has('a'), false, 'gone once expired');
});

test('at most `capacity` folders are kept, the least recently used going first', () => {
  const memo = folderMemo({ capacity: 2, now: () => 0 });
  memo.remember(['a', 'b']);
  assert.equal(memo.has('a'), true);
  memo.remember(['c']);
  assert.equal(memo.has('b'), false, 'b was the least recently used');
  assert.equal(memo.has('a'), true);
  assert.equal(memo.has('c'), true);
  memo.forget('c');
  assert.equal(memo.has('c'), false);
});
