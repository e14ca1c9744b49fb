import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MiniBatchRecord, MiniBatchState } from '../core/jobs.ts';
import { createLocalFolderDatastore } from '../storage/local/local-folder.ts';
import { readLocalPart } from './job-parts.ts';
import { createOutputAssembler } from './output-assembler.ts';

const made: string[] = [];
after(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function setUp(total: number) {
  const dir = await mkdtemp(join(tmpdir(), 'ns-assembler-'));
  made.push(dir);
  const states: MiniBatchState[] = Array.from({ length: total }, () => 'pending');
  const lookup = (index: number): Promise<MiniBatchRecord | undefined> =>
    Promise.resolve(
      index < total
        ? {
            job: 'j',
            index,
            id: `j-${index}`,
            files: [],
            state: states[index] ?? 'pending',
            attempts: 1,
            succeeded: 0,
            failed: 0,
            rowsWritten: 0,
          }
        : undefined,
    );
  const partPath = (i: number) => join(dir, `part-${i}`);
  const assembler = createOutputAssembler({
    backend: createLocalFolderDatastore(join(dir, 'out')),
    target: 'score/predictions.csv',
    readPart: (i: number) => readLocalPart(partPath(i)),
    total,
  });
  const end = async (i: number, state: MiniBatchState) => {
    if (state === 'succeeded') await writeFile(partPath(i), `row ${i}\n`);
    states[i] = state;
  };
  return { dir, assembler, lookup, end };
}

void test('parts are appended in index order, whatever order mini-batches end in; failed ones are skipped', async () => {
  const { dir, assembler, lookup, end } = await setUp(4);
  await end(2, 'succeeded');
  await assembler.advance(lookup);
  await end(1, 'failed');
  await end(0, 'succeeded');
  await assembler.advance(lookup);
  await end(3, 'succeeded');
  const result = await assembler.finish(lookup);
  assert.equal(result.written, true);
  assert.equal(await readFile(join(dir, 'out', 'score', 'predictions.csv'), 'utf8'), 'row 0\nrow 2\nrow 3\n');
});

void test('the output appears only when finished, and not at all when nothing succeeded', async () => {
  const { dir, assembler, lookup, end } = await setUp(2);
  await end(0, 'succeeded');
  await assembler.advance(lookup);
  assert.deepEqual(
    // The folder may not exist yet: the write resolves its path before it creates anything.
    await readdir(join(dir, 'out', 'score')).then(
      (f) => f.filter((n) => !n.includes('.tmp-')),
      () => [],
    ),
    [],
  );
  await end(1, 'canceled');
  await assembler.finish(lookup);
  assert.deepEqual(await readdir(join(dir, 'out', 'score')), ['predictions.csv']);

  const empty = await setUp(2);
  await empty.end(0, 'failed');
  await empty.end(1, 'failed');
  assert.deepEqual(await empty.assembler.finish(empty.lookup), { written: false, bytes: 0 });
});

void test('finish treats mini-batches still open as ended (a job stopped on its error threshold)', async () => {
  const { dir, assembler, lookup, end } = await setUp(3);
  await end(0, 'succeeded');
  await end(2, 'succeeded');
  const result = await assembler.finish(lookup);
  assert.equal(result.bytes, 12);
  assert.equal(await readFile(join(dir, 'out', 'score', 'predictions.csv'), 'utf8'), 'row 0\nrow 2\n');
});
