import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openCsv } from './csv-reader.ts';
import { InputFileError } from './input-error.ts';
import type { ChunkRequest, NumericChunk } from './tabular.ts';

const FIXTURE = new URL('../../../fixtures/data/breast-cancer/part-0.csv', import.meta.url).pathname;
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nightshift-csv-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csvFile(name: string, text: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function readAll(
  path: string,
  request: Partial<ChunkRequest> & { columns: string[] },
): Promise<NumericChunk[]> {
  const source = await openCsv(path);
  const chunks: NumericChunk[] = [];
  for await (const chunk of source.chunks({ chunkRows: 1000, ...request })) chunks.push(chunk);
  return chunks;
}

async function readError(path: string, columns: string[]): Promise<InputFileError> {
  const error = await readAll(path, { columns }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof InputFileError, `expected an InputFileError, got ${String(error)}`);
  return error;
}

describe('openCsv', () => {
  it('names the columns from the header and finds the numeric ones from the first record', async () => {
    const path = await csvFile('mixed.csv', 'id,name,score\n1,ann,0.5\n2,bob,0.7\n');
    const source = await openCsv(path);
    assert.deepEqual(source.columns, ['id', 'name', 'score']);
    assert.deepEqual(source.numericColumns, ['id', 'score']);
    await source.close();
  });

  it('streams the breast-cancer fixture in chunks that carry their first row index', async () => {
    const source = await openCsv(FIXTURE);
    const chunks: NumericChunk[] = [];
    for await (const chunk of source.chunks({ columns: source.columns, chunkRows: 50 })) chunks.push(chunk);
    assert.deepEqual(
      chunks.map((chunk) => [chunk.firstRow, chunk.rowCount]),
      [
        [0, 50],
        [50, 50],
        [100, 43],
      ],
    );
    const first = chunks[0]?.values;
    assert.ok(first instanceof Float32Array);
    assert.equal(first[0], Math.fround(17.99));
    assert.equal(first[29], Math.fround(0.1189));
  });

  it('parses exactly as Number() does, then rounds to float32 like numpy', async () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const texts: string[] = [
      '0',
      '-0',
      '007',
      '1.',
      '.5',
      '-.25',
      '+3',
      '123456789012345',
      '1234567890123456789',
      '1e3',
      '-2.5E-3',
    ];
    texts.push(
      '0.000000000000000000000001',
      '3.4028235e38',
      '1.17549435e-38',
      '16777217',
      ' 4.5 ',
      'inf',
      '-inf',
      'nan',
    );
    for (let i = 0; i < 3000; i++)
      texts.push(((random() - 0.5) * 10 ** Math.floor(random() * 12 - 4)).toFixed(Math.floor(random() * 9)));
    const body = texts.map((text, i) => `${i},${text}`).join('\n');
    const chunks = await readAll(await csvFile('numbers.csv', `i,x\n${body}\n`), {
      columns: ['x'],
      dtype: 'float64',
    });
    const values = chunks.flatMap((chunk) => [...chunk.values]);
    const expected = texts.map((text) =>
      text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text),
    );
    assert.deepEqual(values, expected);
    const floats = await readAll(await csvFile('numbers32.csv', `i,x\n${body}\n`), { columns: ['x'] });
    assert.deepEqual(
      floats.flatMap((chunk) => [...chunk.values]),
      expected.map((value) => Math.fround(value)),
    );
  });

  it('returns columns in the requested order and only those', async () => {
    const path = await csvFile('order.csv', 'a,b,c\n1,2,3\n4,5,6\n');
    const [chunk] = await readAll(path, { columns: ['c', 'a'] });
    assert.deepEqual([...(chunk?.values ?? [])], [3, 1, 6, 4]);
  });

  it('handles a BOM, CRLF line ends, blank lines and a missing final newline', async () => {
    const text = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('a,b\r\n1,2\r\n\r\n3,4\r\n\n5,6'),
    ]);
    const source = await openCsv(await csvFile('crlf.csv', text));
    assert.deepEqual(source.columns, ['a', 'b']);
    const chunks: NumericChunk[] = [];
    for await (const chunk of source.chunks({ columns: ['a', 'b'], chunkRows: 2 })) chunks.push(chunk);
    assert.deepEqual(
      chunks.map((chunk) => [chunk.firstRow, [...chunk.values]]),
      [
        [0, [1, 2, 3, 4]],
        [2, [5, 6]],
      ],
    );
  });

  it('reads empty cells and pandas missing markers as NaN', async () => {
    const [chunk] = await readAll(await csvFile('missing.csv', 'a,b,c\n,NA,null\n'), {
      columns: ['a', 'b', 'c'],
    });
    assert.ok([...(chunk?.values ?? [])].every((value) => Number.isNaN(value)));
  });

  it('falls back to csv-parse from the first quoted line, keeping row numbers and values', async () => {
    const text = 'label,x,y\nplain,1,2\n"quoted, with comma",3,4\n"multi\nline",5,6\nplain,"7",8\n';
    const chunks = await readAll(await csvFile('quoted.csv', text), { columns: ['x', 'y'], chunkRows: 2 });
    assert.deepEqual(
      chunks.map((chunk) => [chunk.firstRow, [...chunk.values]]),
      [
        [0, [1, 2, 3, 4]],
        [2, [5, 6, 7, 8]],
      ],
    );
  });

  it('grows its window for a line longer than the read block', async () => {
    const wide = Array.from({ length: 200_000 }, (_, i) => i % 10).join(',');
    const header = Array.from({ length: 200_000 }, (_, i) => `c${i}`).join(',');
    const [chunk] = await readAll(await csvFile('wide.csv', `${header}\n${wide}\n${wide}\n`), {
      columns: ['c199999', 'c3'],
    });
    assert.deepEqual([...(chunk?.values ?? [])], [9, 3, 9, 3]);
  });

  it('reports a wrong field count with the file and the physical line', async () => {
    const path = await csvFile('short.csv', 'a,b,c\n1,2,3\n\n4,5\n');
    const error = await readError(path, ['a']);
    assert.equal(error.line, 4);
    assert.equal(
      error.message,
      `Error processing input file: '${path}'. Line 4: Expected 3 fields (as in the header), saw 2.`,
    );
  });

  it('reports an unparsable number with the line and the column', async () => {
    const path = await csvFile('bad.csv', 'a,b,c\n1,2,3\n4,five,6\n');
    const error = await readError(path, ['a', 'b']);
    assert.equal(
      error.message,
      `Error processing input file: '${path}'. Line 3, column 'b': 'five' is not a number.`,
    );
  });

  it('reports errors after the quoted fallback at the line where the record starts', async () => {
    const path = await csvFile('bad-quoted.csv', 'a,b\n"1",2\n"3\n",4\n5,x\n');
    const error = await readError(path, ['a', 'b']);
    assert.equal(error.line, 5);
    assert.equal(error.column, 'b');
    const unclosed = await readError(await csvFile('unclosed.csv', 'a,b\n1,"2\n3,4\n'), ['a']);
    assert.match(unclosed.message, /Quote Not Closed/);
  });

  it('ignores bad text in columns that are not selected', async () => {
    const chunks = await readAll(await csvFile('unused.csv', 'a,b\n1,x\n2,y\n'), { columns: ['a'] });
    assert.deepEqual([...(chunks[0]?.values ?? [])], [1, 2]);
  });

  it("names missing columns in MLflow's words", async () => {
    const path = await csvFile('few.csv', 'a,b\n1,2\n');
    const error = await readError(path, ['a', 'z', 'y']);
    assert.equal(error.code, 'MissingColumns');
    assert.match(error.message, /Model is missing inputs \['z', 'y'\]\.$/);
  });

  it('refuses an empty file and yields nothing for a header-only file', async () => {
    await assert.rejects(openCsv(await csvFile('empty.csv', '')), /The file is empty/);
    assert.deepEqual(await readAll(await csvFile('header.csv', 'a,b\n'), { columns: ['a'] }), []);
  });
});
