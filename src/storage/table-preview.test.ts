import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { parquetWriteBuffer } from 'hyparquet-writer';
import {
  parquetFromStream,
  previewCsv,
  previewFormat,
  previewJsonLines,
  previewParquet,
  readHead,
  type PreviewLimits,
} from './table-preview.ts';

const LIMITS: PreviewLimits = { rows: 3, maxBytes: 1024, maxParquetBytes: 1 << 20 };

/** A stream that counts what was pulled from it, and would go on for ever. */
function endless(line: string): { stream: Readable; pulled: () => number } {
  let pulled = 0;
  const stream = new Readable({
    read() {
      pulled += line.length;
      this.push(line);
    },
  });
  return { stream, pulled: () => pulled };
}

test('the format comes from the file name', () => {
  assert.equal(previewFormat('a/b.CSV'), 'csv');
  assert.equal(previewFormat('x.jsonl'), 'jsonl');
  assert.equal(previewFormat('x.parquet'), 'parquet');
  assert.equal(previewFormat('x.bin'), undefined);
});

test('a CSV preview has the header as columns and the first rows, quoted fields intact', async () => {
  const csv = 'id,name\n1,"a, b"\n2,"line\nbreak"\n3,c\n4,d\n';
  const preview = await previewCsv(Readable.from([csv]), LIMITS);
  assert.deepEqual(preview.columns, ['id', 'name']);
  assert.deepEqual(preview.rows, [
    ['1', 'a, b'],
    ['2', 'line\nbreak'],
    ['3', 'c'],
  ]);
  assert.equal(preview.truncated, true);
});

test('a short CSV is not truncated, and ragged rows get named columns', async () => {
  const preview = await previewCsv(Readable.from(['\uFEFFa\n1,2\n']), LIMITS);
  assert.deepEqual(preview.columns, ['a', 'column2']);
  assert.deepEqual(preview.rows, [['1', '2']]);
  assert.equal(preview.truncated, false);
});

test('a tab-separated header is read as tab-separated', async () => {
  const preview = await previewCsv(Readable.from(['a\tb\n1\t2\n']), LIMITS);
  assert.deepEqual(preview.rows, [['1', '2']]);
});

test('an endless file is read only up to the byte limit, and its half line is left out', async () => {
  const { stream, pulled } = endless('1,2,3,4,5,6,7,8,9\n');
  const preview = await previewCsv(stream, { ...LIMITS, rows: 1000 });
  assert.ok(pulled() < 64 * 1024, `read ${String(pulled())} bytes`);
  assert.equal(preview.truncated, true);
  assert.ok(preview.rows.every((r) => r.length === 9));
  assert.ok(stream.destroyed);
});

test('readHead stops at the limit', async () => {
  const { head, complete } = await readHead(endless('abcdef').stream, 10);
  assert.equal(head.length, 10);
  assert.equal(complete, false);
});

test('JSON Lines: columns are the keys in order of first appearance; nested values are JSON text', async () => {
  const lines = '{"a":1,"b":{"c":2}}\n\n{"d":true,"a":null}\n[1]\n{"z":0}\n';
  const preview = await previewJsonLines(Readable.from([lines]), LIMITS);
  assert.deepEqual(preview.columns, ['a', 'b', 'd', 'value']);
  assert.deepEqual(preview.rows, [
    [1, '{"c":2}', null, null],
    [null, null, true, null],
    [null, null, null, '[1]'],
  ]);
  assert.equal(preview.truncated, true);
});

test('a line that is not JSON is a 400 naming the line', async () => {
  await assert.rejects(previewJsonLines(Readable.from(['{"a":1}\nnope\n']), LIMITS), /Line 2 is not JSON/);
});

function parquetFile(rows: number): ArrayBuffer {
  return parquetWriteBuffer({
    columnData: [
      { name: 'id', data: Array.from({ length: rows }, (_, i) => i), type: 'INT32' },
      { name: 'big', data: Array.from({ length: rows }, () => 2n ** 60n), type: 'INT64' },
      { name: 'label', data: Array.from({ length: rows }, (_, i) => `row ${String(i)}`), type: 'STRING' },
    ],
    rowGroupSize: 100,
  });
}

test('a Parquet preview reads the first rows and knows the total from the footer', async () => {
  const bytes = parquetFile(250);
  const file = await parquetFromStream(Readable.from([Buffer.from(bytes)]), bytes.byteLength, LIMITS);
  const preview = await previewParquet(file, LIMITS);
  assert.deepEqual(preview.columns, ['id', 'big', 'label']);
  assert.deepEqual(preview.rows[0], [0, (2n ** 60n).toString(), 'row 0']);
  assert.equal(preview.rows.length, 3);
  assert.equal(preview.totalRows, 250);
  assert.equal(preview.truncated, true);
});

test('a remote Parquet file over the limit is refused before it is read', async () => {
  const { stream, pulled } = endless('x');
  await assert.rejects(parquetFromStream(stream, 10 << 20, LIMITS), /previewed up to/);
  assert.equal(pulled(), 0);
});

test('bytes that are not Parquet are a 400, not a crash', async () => {
  const file = await parquetFromStream(Readable.from([Buffer.from('not parquet at all')]), 18, LIMITS);
  await assert.rejects(previewParquet(file, LIMITS), /Not a readable Parquet file/);
});
