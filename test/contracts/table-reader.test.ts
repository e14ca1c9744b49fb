/**
 * The table reader contract suite (src/runtimes/readers/tabular.ts, opened through `openTabular`): CSV,
 * JSON Lines and Parquet hold the same table differently, and the ONNX scorer must not be able to tell.
 * For the same data every reader gives the same columns, the same numeric columns, the same values in
 * the requested order and in chunks of the requested size (whatever the file's own blocks, such as
 * Parquet row groups), NaN for a missing cell, a digest that is the file's own when it offers one, and
 * errors that name the file and the reader's own place in it: a line for text formats, a row for
 * Parquet. A new format adds one entry to `formats`: how to write a table, and how it names a place.
 */
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { InputFileError } from '../../src/runtimes/readers/input-error.ts';
import { openTabular, type TabularFormat } from '../../src/runtimes/readers/input-formats.ts';
import type { ChunkRequest, NumericChunk } from '../../src/runtimes/readers/tabular.ts';
import { describeContract, type Implementation } from './implementations.ts';

/** A cell: a number, a text, or missing. */
type Cell = number | string | null;

interface Table {
  columns: string[];
  rows: Cell[][];
}

interface TableFormat {
  format: TabularFormat;
  extension: string;
  /** Writes `table` so the reader sees exactly its cells (no header row is a data row). */
  write(path: string, table: Table): void;
  /** How the reader names where the data row `row` (0-based) is in the file. */
  place(row: number): string;
  /**
   * Whether its reader offers a digest of the file after reading it all (the ONNX scorer's manifest then
   * needs no second pass over the bytes); one that does not is hashed by the worker instead.
   */
  digest: boolean;
}

const csvCell = (cell: Cell) => (cell === null ? '' : String(cell));

const formats: TableFormat[] = [
  {
    format: 'csv',
    extension: 'csv',
    write(path, table) {
      const lines = [table.columns.join(','), ...table.rows.map((row) => row.map(csvCell).join(','))];
      writeFileSync(path, `${lines.join('\n')}\n`);
    },
    // The header is line 1.
    place: (row) => `Line ${row + 2}`,
    digest: true,
  },
  {
    format: 'jsonl',
    extension: 'jsonl',
    write(path, table) {
      const records = table.rows.map((row) =>
        JSON.stringify(Object.fromEntries(table.columns.map((name, i) => [name, row[i] ?? null]))),
      );
      writeFileSync(path, `${records.join('\n')}\n`);
    },
    place: (row) => `Line ${row + 1}`,
    digest: false,
  },
  {
    format: 'parquet',
    extension: 'parquet',
    write(path, table) {
      const columnData = table.columns.map((name, i) => {
        const cells = table.rows.map((row) => row[i] ?? null);
        const text = cells.some((cell) => typeof cell === 'string');
        return text
          ? { name, data: cells.map((c) => (c === null ? null : String(c))), type: 'STRING' as const }
          : { name, data: cells, type: 'DOUBLE' as const };
      });
      // Small row groups, so chunks have to cross their boundaries.
      writeFileSync(path, Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize: 700 })));
    },
    place: (row) => `Row ${row}`,
    digest: false,
  },
];

interface Harness {
  format: TableFormat;
  /** Writes `table` as `<name>.<extension>` in the test's folder; returns its path. */
  file(name: string, table: Table): string;
  close(): void;
}

const implementations: Implementation<Harness>[] = formats.map((format) => ({
  name: format.format,
  open: (dir) => ({
    format,
    file(name, table) {
      const path = join(dir, `${name}.${format.extension}`);
      format.write(path, table);
      return path;
    },
    close: () => undefined,
  }),
}));

async function read(path: string, format: TabularFormat, request: ChunkRequest): Promise<NumericChunk[]> {
  const source = await openTabular(path, format);
  const chunks: NumericChunk[] = [];
  try {
    for await (const chunk of source.chunks(request)) chunks.push(chunk);
  } finally {
    await source.close();
  }
  return chunks;
}

const SMALL: Table = {
  columns: ['a', 'b', 'c'],
  rows: [
    [1.5, -2, 1e-3],
    [0, 10, 2.25],
    [-7.125, null, 3],
    [42, 0.5, -0.5],
    [3, 4, 5],
  ],
};

/** The file's InputFileError (thrown while opening or reading), or a failure. */
async function readFailure(
  path: string,
  format: TabularFormat,
  request: ChunkRequest,
): Promise<InputFileError> {
  try {
    await read(path, format, request);
  } catch (error) {
    assert.ok(error instanceof InputFileError, String(error));
    return error;
  }
  assert.fail(`reading ${path} should fail`);
}

await describeContract('TabularSource', implementations, (context) => {
  let h: Harness;
  beforeEach(() => {
    h = context.current();
  });

  test('the same table gives the same columns, values and NaN for a missing cell', async () => {
    const path = h.file('small', SMALL);
    const source = await openTabular(path, h.format.format);
    assert.deepEqual(source.columns, ['a', 'b', 'c']);
    assert.deepEqual(source.numericColumns, ['a', 'b', 'c']);
    await source.close();
    const chunks = await read(path, h.format.format, { columns: ['c', 'a'], chunkRows: 2, dtype: 'float64' });
    assert.deepEqual(
      chunks.map((chunk) => [chunk.firstRow, chunk.rowCount, [...chunk.values]]),
      [
        [0, 2, [1e-3, 1.5, 2.25, 0]],
        [2, 2, [3, -7.125, -0.5, 42]],
        [4, 1, [5, 3]],
      ],
    );
    const [b] = await read(path, h.format.format, { columns: ['b'], chunkRows: 10, dtype: 'float64' });
    assert.deepEqual([...(b?.values ?? [])], [-2, 10, NaN, 0.5, 4]);
  });

  test('float32 is the default and values are rounded to it', async () => {
    const path = h.file('small', SMALL);
    const [chunk] = await read(path, h.format.format, { columns: ['a'], chunkRows: 10 });
    assert.ok(chunk?.values instanceof Float32Array);
    assert.deepEqual([...chunk.values], [...Float32Array.from([1.5, 0, -7.125, 42, 3])]);
  });

  test('chunks keep the requested size across the whole file', async () => {
    const rows = Array.from({ length: 2500 }, (_, i): Cell[] => [i, i * 0.5]);
    const path = h.file('long', { columns: ['x', 'y'], rows });
    const chunks = await read(path, h.format.format, {
      columns: ['y', 'x'],
      chunkRows: 1000,
      dtype: 'float64',
    });
    assert.deepEqual(
      chunks.map((chunk) => [chunk.firstRow, chunk.rowCount]),
      [
        [0, 1000],
        [1000, 1000],
        [2000, 500],
      ],
    );
    const values = chunks.flatMap((chunk) => [...chunk.values]);
    assert.deepEqual(
      values,
      rows.flatMap(([x, y]) => [y, x]),
    );
  });

  test('a text column is a column, not a numeric one', async () => {
    const path = h.file('labelled', {
      columns: ['id', 'label', 'score'],
      rows: [
        [1, 'cat', 0.5],
        [2, 'dog', 0.25],
      ],
    });
    const source = await openTabular(path, h.format.format);
    assert.deepEqual(source.columns, ['id', 'label', 'score']);
    assert.deepEqual(source.numericColumns, ['id', 'score']);
    await source.close();
  });

  test("missing columns are refused naming the file, in MLflow's words", async () => {
    const path = h.file('small', SMALL);
    const error = await readFailure(path, h.format.format, { columns: ['a', 'nope', 'gone'], chunkRows: 10 });
    assert.equal(error.file, path);
    assert.equal(
      error.message,
      `Error processing input file: '${path}'. Model is missing inputs ['nope', 'gone'].`,
    );
  });

  test('a cell that is not a number fails naming the file, its own place and the column', async () => {
    const rows = SMALL.rows.map((row) => [...row]);
    const at = rows[3];
    assert.ok(at);
    at[1] = 'oops';
    const path = h.file('bad', { columns: SMALL.columns, rows });
    const error = await readFailure(path, h.format.format, { columns: ['a', 'b'], chunkRows: 2 });
    assert.equal(error.file, path);
    assert.equal(error.column, 'b');
    const prefix = `Error processing input file: '${path}'. ${h.format.place(3)}, column 'b': `;
    assert.ok(error.message.startsWith(prefix), `${error.message}\ndoes not start with\n${prefix}`);
    assert.match(error.message, /oops/);
  });

  test("a digest, when the reader offers one after reading it all, is the file's size and sha256", async () => {
    const path = h.file('small', SMALL);
    const source = await openTabular(path, h.format.format);
    for await (const chunk of source.chunks({ columns: ['a'], chunkRows: 2 })) assert.ok(chunk.rowCount > 0);
    const digest = source.digest?.();
    await source.close();
    // Whether it offers one is part of the format's entry: a reader that stops offering it fails here.
    assert.equal(digest !== undefined, h.format.digest, `digest offered: ${JSON.stringify(digest)}`);
    if (!h.format.digest) return;
    const bytes = readFileSync(path);
    assert.deepEqual(digest, {
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  });
});
