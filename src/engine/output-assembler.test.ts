import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MiniBatchRecord, MiniBatchState } from '../core/jobs.ts';
import { Readable } from 'node:stream';
import { createLocalFolderDatastore } from '../storage/local/local-folder.ts';
import { readLocalPart } from './job-parts.ts';
import { createOutputAssembler } from './output-assembler.ts';

const made: string[] = [];
after(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * How parts reach the output: streamed into a store without a writer (Blob, S3), streamed into a local
 * folder's writer, or copied from part files on this machine through one buffer (the embedded case).
 */
type Route = 'stream to a remote store' | 'stream to a writer' | 'copy part files';
const ROUTES: Route[] = ['stream to a remote store', 'stream to a writer', 'copy part files'];

async function setUp(total: number, route: Route = 'copy part files') {
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
  const local = createLocalFolderDatastore(join(dir, 'out'));
  const assembler = createOutputAssembler({
    backend: route === 'stream to a remote store' ? { ...local, openWriter: undefined } : local,
    target: 'score/predictions.csv',
    parts: {
      read: (i: number) => readLocalPart(partPath(i)),
      ...(route === 'copy part files' ? { localPath: partPath } : {}),
    },
    total,
  });
  const end = async (i: number, state: MiniBatchState) => {
    if (state === 'succeeded') await writeFile(partPath(i), `row ${i}\n`);
    states[i] = state;
  };
  return { dir, assembler, lookup, end };
}

for (const route of ROUTES) {
  void test(`${route}: parts are appended in index order, whatever order mini-batches end in; failed ones are skipped`, async () => {
    const { dir, assembler, lookup, end } = await setUp(4, route);
    await end(2, 'succeeded');
    await assembler.advance(lookup);
    await end(1, 'failed');
    await end(0, 'succeeded');
    await assembler.advance(lookup);
    await end(3, 'succeeded');
    const result = await assembler.finish(lookup);
    assert.equal(result.written, true);
    assert.equal(
      await readFile(join(dir, 'out', 'score', 'predictions.csv'), 'utf8'),
      'row 0\nrow 2\nrow 3\n',
    );
  });

  void test(`${route}: the output appears only when finished, and not at all when nothing succeeded`, async () => {
    const { dir, assembler, lookup, end } = await setUp(2, route);
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

    const empty = await setUp(2, route);
    await empty.end(0, 'failed');
    await empty.end(1, 'failed');
    assert.deepEqual(await empty.assembler.finish(empty.lookup), { written: false, bytes: 0 });
  });

  void test(`${route}: finish treats mini-batches still open as ended (a job stopped on its error threshold)`, async () => {
    const { dir, assembler, lookup, end } = await setUp(3, route);
    await end(0, 'succeeded');
    await end(2, 'succeeded');
    const result = await assembler.finish(lookup);
    assert.equal(result.bytes, 12);
    assert.equal(await readFile(join(dir, 'out', 'score', 'predictions.csv'), 'utf8'), 'row 0\nrow 2\n');
  });
}

void test('a part that fails halfway breaks the assembly: later calls refuse, finish leaves no output', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ns-assembler-'));
  made.push(dir);
  let tries = 0;
  // Part 1 breaks off after its first bytes the first time, and would read whole the next.
  const part1 = () =>
    Readable.from(
      (async function* () {
        yield Buffer.from('row 1 ');
        await Promise.resolve();
        if (++tries === 1) throw new Error('the connection was reset');
        yield Buffer.from('whole\n');
      })(),
    );
  const assembler = createOutputAssembler({
    backend: createLocalFolderDatastore(join(dir, 'out')),
    target: 'score/predictions.csv',
    parts: {
      read: (i) => Promise.resolve(i === 1 ? part1() : Readable.from([Buffer.from(`row ${i}\n`)])),
    },
    total: 3,
  });
  const lookup = (index: number) => Promise.resolve({ index, state: 'succeeded' } as MiniBatchRecord);
  await assert.rejects(assembler.advance(lookup), /connection was reset/);
  // Read again, part 1 would come whole, after the half already in the file: refused instead.
  await assert.rejects(assembler.advance(lookup), /connection was reset/);
  await assert.rejects(assembler.finish(lookup), /connection was reset/);
  assert.equal(tries, 1, 'the broken part is not read again');
  assert.deepEqual(await readdir(join(dir, 'out', 'score')), []);
});

void test('a part that could not be opened is tried again: nothing of it was in the file', async () => {
  const { dir, assembler, lookup, end } = await setUp(2);
  await end(0, 'succeeded');
  await end(1, 'succeeded');
  // A folder where part 1's file should be: it cannot be read, and nothing of it is appended.
  await rm(join(dir, 'part-1'));
  await mkdir(join(dir, 'part-1'));
  await assert.rejects(assembler.advance(lookup), /EISDIR/);
  await rm(join(dir, 'part-1'), { recursive: true });
  await writeFile(join(dir, 'part-1'), 'row 1\n');
  assert.equal((await assembler.finish(lookup)).bytes, 12);
  assert.equal(await readFile(join(dir, 'out', 'score', 'predictions.csv'), 'utf8'), 'row 0\nrow 1\n');
});

void test('copy part files: parts bigger than the copy buffer come out whole and in order', async () => {
  const { dir, assembler, lookup, end } = await setUp(6);
  const parts = [0, 1, 2, 3, 4, 5].map((i) => Buffer.alloc(i % 2 === 0 ? 2_500_000 + i : 100 + i, 97 + i));
  for (const [i, part] of parts.entries()) {
    // Mini-batch 3 failed: it has no part file.
    await end(i, i === 3 ? 'failed' : 'succeeded');
    if (i !== 3) await writeFile(join(dir, `part-${i}`), part);
  }
  const result = await assembler.finish(lookup);
  const expected = Buffer.concat(parts.filter((_p, i) => i !== 3));
  assert.equal(result.bytes, expected.length);
  assert.ok((await readFile(join(dir, 'out', 'score', 'predictions.csv'))).equals(expected));
});
