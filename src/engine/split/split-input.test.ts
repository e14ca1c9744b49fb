import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseRangeRef, parseSplitSize, type SplitSize } from '../../core/row-ranges.ts';
import { inputFormatOf, openTabular } from '../../runtimes/readers/input-formats.ts';
import { createLocalFolderDatastore } from '../../storage/local/local-folder.ts';
import type { DatastoreBackend } from '../../storage/contract.ts';
import { csvScanner, jsonlScanner } from './record-cuts.ts';
import { planMiniBatches, splitFile, splitIntoMiniBatches } from './split-input.ts';

const PARQUET = new URL('../../../fixtures/data/breast-cancer-parquet/breast-cancer.parquet', import.meta.url)
  .pathname;
let dir = '';
let store: DatastoreBackend;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nightshift-split-'));
  store = createLocalFolderDatastore(dir);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rows = (count: number): SplitSize => ({ unit: 'rows', count });
const bytes = (count: number): SplitSize => ({ unit: 'bytes', count });

/** The ranges a scanner finds when the file comes in chunks of `step` bytes (1: every byte apart). */
function scan(text: string, split: SplitSize, step = 1e9, scanner = csvScanner) {
  const s = scanner(split);
  const buffer = Buffer.from(text);
  for (let at = 0; at < buffer.length; at += step) s.push(buffer.subarray(at, at + step));
  return s.finish().map((r) => ({ text: text.slice(r.start, r.end), row: r.firstRow }));
}

/** Every row a source streams: [row index, ...values], values as text so NaN compares. */
async function readRows(entry: string): Promise<string[]> {
  const { path } = parseRangeRef(entry);
  const format = inputFormatOf(path);
  if (format.kind !== 'tabular') throw new Error(`${path} is no table`);
  const source = await openTabular(join(dir, entry), format.format);
  const columns = [...source.numericColumns];
  const out: string[] = [];
  for await (const chunk of source.chunks({ columns, chunkRows: 7, dtype: 'float64' })) {
    for (let r = 0; r < chunk.rowCount; r++) {
      const values = Array.from(chunk.values.subarray(r * columns.length, (r + 1) * columns.length));
      out.push([chunk.firstRow + r, ...values].join(','));
    }
  }
  return out;
}

/** Splits a file and checks that its ranges, read one by one, give exactly the rows of the whole file. */
async function sameRowsAsWhole(name: string, split: SplitSize): Promise<string[]> {
  const size = (await store.stat(name))?.size ?? 0;
  const { entries, digest } = await splitFile(store, { path: name, size }, split);
  if (entries.length > 1 && !name.endsWith('.parquet')) {
    const sha256 = createHash('sha256')
      .update(await readFile(join(dir, name)))
      .digest('hex');
    assert.deepEqual(digest, { path: name, size, sha256 }, 'the pass hashes the file it split');
  }
  const parts: string[] = [];
  for (const entry of entries) parts.push(...(await readRows(entry)));
  assert.deepEqual(parts, await readRows(name));
  return entries;
}

describe('CSV cuts', () => {
  it('never cut inside a quoted field, whatever the chunking', () => {
    const text = 'a,b\n1,"x\ny"\n2,"p\n\nq"\n3,z\n';
    for (const step of [1, 2, 3, 5, 100]) {
      assert.deepEqual(scan(text, rows(1), step), [
        { text: '1,"x\ny"\n', row: 0 },
        { text: '2,"p\n\nq"\n', row: 1 },
        { text: '3,z\n', row: 2 },
      ]);
    }
  });

  it('a size boundary that falls inside a quoted field moves to the end of its record', () => {
    // 5 bytes in lands inside "xxxxxxxxxx\nyyyy": the first range ends after that record.
    const text = 'h\n"xxxxxxxxxx\nyyyy"\n"b"\n';
    assert.deepEqual(scan(text, bytes(5)), [
      { text: '"xxxxxxxxxx\nyyyy"\n', row: 0 },
      { text: '"b"\n', row: 1 },
    ]);
  });

  it('handles CRLF, doubled quotes, blank lines (no rows) and a last line without a newline', () => {
    const text = 'a,b\r\n1,"say ""hi""\r\nthere"\r\n\r\n2,3\r\n\r\n4,5';
    for (const step of [1, 4, 1000]) {
      assert.deepEqual(scan(text, rows(1), step), [
        { text: '1,"say ""hi""\r\nthere"\r\n', row: 0 },
        { text: '\r\n2,3\r\n', row: 1 },
        { text: '\r\n4,5', row: 2 },
      ]);
    }
  });

  it('gives no ranges for an empty file or a header alone, and trailing blank lines join the last range', () => {
    assert.deepEqual(scan('', rows(1)), []);
    assert.deepEqual(scan('a,b\n', rows(1)), []);
    assert.deepEqual(scan('a,b', rows(1)), []);
    assert.deepEqual(scan('a\n1\n2\n\n\n', rows(1)), [
      { text: '1\n', row: 0 },
      { text: '2\n\n\n', row: 1 },
    ]);
  });

  it('reads each range with the header and the rows keep their index in the file', async () => {
    const lines = ['x,y,note'];
    for (let i = 0; i < 200; i++) {
      const note = i % 7 === 0 ? `"multi\nline ${i}, with ""quotes"""` : `plain ${i}`;
      lines.push(`${i},${i * 0.5},${note}`);
      if (i % 50 === 0) lines.push('');
    }
    await writeFile(join(dir, 'quoted.csv'), lines.join('\r\n'));
    const entries = await sameRowsAsWhole('quoted.csv', rows(17));
    assert.equal(entries.length, 12);
    assert.match(entries[1] ?? '', /^quoted\.csv#bytes=\d+-\d+&row=17$/);
    assert.ok((await sameRowsAsWhole('quoted.csv', bytes(500))).length > 5);
  });

  it('leaves a file that fits in one range whole', async () => {
    await writeFile(join(dir, 'small.csv'), 'a\n1\n2\n');
    const whole = { entries: ['small.csv'] };
    assert.deepEqual(await splitFile(store, { path: 'small.csv', size: 6 }, rows(10)), whole);
    assert.deepEqual(await splitFile(store, { path: 'small.csv', size: 6 }, bytes(1024)), whole);
  });
});

describe('errors inside a range', () => {
  it("name the row's index in the file, not a line counted from the range's start", async () => {
    const lines = ['a,b', ...Array.from({ length: 30 }, (_, i) => (i === 23 ? '1,oops' : `${i},${i}`))];
    await writeFile(join(dir, 'bad.csv'), lines.join('\n') + '\n');
    const { entries } = await splitFile(store, { path: 'bad.csv', size: 1000 }, rows(10));
    await assert.rejects(readRows(entries[2] ?? ''), /Row 23, column 'b': 'oops' is not a number/);
    await assert.rejects(readRows('bad.csv'), /Line 25, column 'b': 'oops' is not a number/);
    const objects = Array.from({ length: 30 }, (_, i) => JSON.stringify({ a: i === 17 ? 'x' : i }));
    await writeFile(join(dir, 'bad.jsonl'), objects.join('\n'));
    const { entries: parts } = await splitFile(store, { path: 'bad.jsonl', size: 1000 }, rows(10));
    await assert.rejects(readRows(parts[1] ?? ''), /Row 17, column 'a': "x" is not a number/);
  });
});

describe('JSONL cuts', () => {
  it('cut at line ends; blank lines are no rows', () => {
    const text = '{"a":1}\n\n  \n{"a":2}\r\n{"a":3}';
    assert.deepEqual(scan(text, rows(2), 3, jsonlScanner), [
      { text: '{"a":1}\n\n  \n{"a":2}\r\n', row: 0 },
      { text: '{"a":3}', row: 2 },
    ]);
  });

  it('reads each range as the whole file reads those rows', async () => {
    const lines = Array.from({ length: 100 }, (_, i) =>
      i % 9 === 4 ? '' : JSON.stringify({ b: i, a: i / 4 }),
    );
    await writeFile(join(dir, 'rows.jsonl'), lines.join('\n') + '\n');
    assert.equal((await sameRowsAsWhole('rows.jsonl', rows(10))).length, 9);
    assert.ok((await sameRowsAsWhole('rows.jsonl', bytes(300))).length > 3);
  });
});

describe('Parquet cuts', () => {
  it('cut at row groups (200, 200, 169 rows) and read with their rows only', async () => {
    await writeFile(
      join(dir, 'bc.parquet'),
      await import('node:fs/promises').then((fs) => fs.readFile(PARQUET)),
    );
    assert.deepEqual(await sameRowsAsWhole('bc.parquet', rows(150)), [
      'bc.parquet#rows=0-200',
      'bc.parquet#rows=200-400',
      'bc.parquet#rows=400-569',
    ]);
    assert.deepEqual(await sameRowsAsWhole('bc.parquet', rows(300)), [
      'bc.parquet#rows=0-400',
      'bc.parquet#rows=400-569',
    ]);
    assert.deepEqual(await sameRowsAsWhole('bc.parquet', rows(1000)), ['bc.parquet']);
  });
});

describe('mini-batches', () => {
  it('pack small files up to the size and give each range its own mini-batch', async () => {
    await writeFile(join(dir, 'p1.csv'), 'a\n1\n');
    await writeFile(join(dir, 'p2.csv'), 'a\n2\n');
    await writeFile(join(dir, 'p3.png'), 'x');
    await writeFile(join(dir, 'p4.csv'), 'a\n0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
    const files = ['p1.csv', 'p2.csv', 'p3.png', 'p4.csv'].map((path) => ({
      path,
      size: path === 'p4.csv' ? 22 : 4,
    }));
    assert.deepEqual((await splitIntoMiniBatches(store, files, bytes(9))).batches, [
      ['p1.csv', 'p2.csv'],
      ['p3.png'],
      ['p4.csv#bytes=2-12&row=0'],
      ['p4.csv#bytes=12-22&row=5'],
    ]);
  });

  it('are counts of files without a split; a script takes CSV ranges but not Parquet ones', async () => {
    const files = [1, 2, 3].map((i) => ({ path: `f${i}.csv`, size: 1 }));
    const plain = await planMiniBatches({ files, backend: store }, { miniBatchSize: 2 }, 'python');
    assert.deepEqual(plain.batches, [
      { index: 0, files: ['f1.csv', 'f2.csv'] },
      { index: 1, files: ['f3.csv'] },
    ]);
    await writeFile(join(dir, 'p4.csv'), 'a\n0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
    const csv = [{ path: 'p4.csv', size: 22 }];
    const ranged = await planMiniBatches(
      { files: csv, backend: store },
      { miniBatchSize: 1, miniBatchSplit: '5 rows' },
      'js',
    );
    assert.deepEqual(ranged.batches, [
      { index: 0, files: ['p4.csv#bytes=2-12&row=0'] },
      { index: 1, files: ['p4.csv#bytes=12-22&row=5'] },
    ]);
    await writeFile(join(dir, 'bc.parquet'), await readFile(PARQUET));
    const parquet = [{ path: 'bc.parquet', size: (await readFile(PARQUET)).length }];
    await assert.rejects(
      planMiniBatches(
        { files: parquet, backend: store },
        { miniBatchSize: 1, miniBatchSplit: '150 rows' },
        'python',
      ),
      /splits the Parquet file bc.parquet.*python scoring script.*number of files/,
    );
    const onnx = await planMiniBatches(
      { files: parquet, backend: store },
      { miniBatchSize: 1, miniBatchSplit: '150 rows' },
      'onnx',
    );
    assert.equal(onnx.batches.length, 3);
    assert.deepEqual(parseSplitSize('64 mb'), { unit: 'bytes', count: 64 * 1024 * 1024 });
  });
});
