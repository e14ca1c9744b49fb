import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseRangeRef } from '../core/row-ranges.ts';
import { createLocalFolderDatastore } from '../storage/local/local-folder.ts';
import type { ResolvedInput } from './job-inputs.ts';
import { spreadFailed } from './rerun-spread.ts';

const MiB = 1 << 20;

/** A folder with small.csv, big.csv (3.5 MiB of 100-byte rows) and big.txt, as a job's resolved input. */
function input(t: { after(fn: () => void): void }): { input: ResolvedInput; big: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'ns-rerun-spread-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const row = `${'x'.repeat(98)},\n`;
  const big = Buffer.from(`h\n${row.repeat(Math.ceil((3.5 * MiB) / row.length))}`);
  writeFileSync(join(dir, 'small.csv'), `h\n${row}`);
  writeFileSync(join(dir, 'big.csv'), big);
  writeFileSync(join(dir, 'big.txt'), big);
  const files = ['big.csv', 'big.txt', 'small.csv'].map((path) => ({
    path,
    size: path === 'small.csv' ? row.length + 2 : big.length,
  }));
  const spec = { uri: dir, type: 'UriFolder' } as ResolvedInput['spec'];
  return { input: { spec, files, backend: createLocalFolderDatastore(dir) }, big };
}

const parent = (queued: string[]) =>
  ['big.csv', 'big.txt', 'small.csv'].map((file, index) => ({
    index,
    files: [file],
    queued: queued.includes(file),
  }));

void test('a failed big CSV is cut into one range per idle worker; the rest keep their order, numbered anew', async (t) => {
  const { input: resolved, big } = input(t);
  const { batches, digests } = await spreadFailed(parent(['big.csv']), {
    slots: 3,
    runtimeKind: 'onnx',
    input: resolved,
  });
  assert.deepEqual(
    batches.map((b) => [b.index, b.parent, b.queued]),
    [
      [0, 0, true],
      [1, 0, true],
      [2, 0, true],
      [3, 1, false],
      [4, 2, false],
    ],
  );
  const ranges = batches.slice(0, 3).map((b) => parseRangeRef(b.files[0] ?? '').range);
  assert.ok(ranges.every((r) => r?.kind === 'bytes'));
  // The ranges cover the file end to end, each cut at a row's end.
  const bounds = ranges.map((r) => [r.start, r.end]);
  assert.equal(bounds[0]?.[1], bounds[1]?.[0]);
  assert.equal(bounds[1]?.[1], bounds[2]?.[0]);
  assert.equal(bounds[2]?.[1], big.length);
  assert.deepEqual(digests, [
    { path: 'big.csv', size: big.length, sha256: createHash('sha256').update(big).digest('hex') },
  ]);
});

void test('nothing is cut for a script, a file that is not CSV or JSONL, a small file, or when no worker is idle', async (t) => {
  const { input: resolved } = input(t);
  const uncut = async (queued: string[], slots: number, runtimeKind = 'onnx') => {
    const { batches } = await spreadFailed(parent(queued), { slots, runtimeKind, input: resolved });
    return batches.length === 3 && batches.every((b, i) => b.parent === i && b.files.length === 1);
  };
  assert.ok(await uncut(['big.csv'], 4, 'python'), 'a script sees whole files');
  assert.ok(await uncut(['big.txt'], 4), 'not a table');
  assert.ok(await uncut(['small.csv'], 4), 'under 1 MiB per range');
  assert.ok(await uncut(['big.csv', 'small.csv'], 2), 'one worker for each failed mini-batch already');
});
