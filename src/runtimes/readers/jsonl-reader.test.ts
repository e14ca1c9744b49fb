import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InputFileError } from './input-error.ts';
import { openJsonl } from './jsonl-reader.ts';
import type { NumericChunk } from './tabular.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nightshift-jsonl-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function jsonlFile(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.join('\n'));
  return path;
}

async function readAll(path: string, columns: string[], chunkRows = 100): Promise<NumericChunk[]> {
  const source = await openJsonl(path);
  const chunks: NumericChunk[] = [];
  for await (const chunk of source.chunks({ columns, chunkRows })) chunks.push(chunk);
  return chunks;
}

describe('openJsonl', () => {
  it('takes columns from the first object and reads later objects by key', async () => {
    const path = await jsonlFile('rows.jsonl', [
      '{"a": 1, "b": "x", "c": 2.5}',
      '',
      '{"c": 4, "a": 3, "b": "y"}',
      '{"a": 5, "c": 6}',
    ]);
    const source = await openJsonl(path);
    assert.deepEqual(source.columns, ['a', 'b', 'c']);
    assert.deepEqual(source.numericColumns, ['a', 'c']);
    const chunks: NumericChunk[] = [];
    for await (const chunk of source.chunks({ columns: ['c', 'a'], chunkRows: 2 })) chunks.push(chunk);
    assert.deepEqual(
      chunks.map((chunk) => [chunk.firstRow, [...chunk.values]]),
      [
        [0, [2.5, 1, 4, 3]],
        [2, [6, 5]],
      ],
    );
  });

  it('reads null and missing keys as NaN, booleans as 1/0 and numeric strings as numbers', async () => {
    const path = await jsonlFile('loose.jsonl', [
      '{"a": null, "b": true, "c": "2.5"}',
      '{"b": false, "c": "-1e2"}',
    ]);
    const [chunk] = await readAll(path, ['a', 'b', 'c']);
    assert.deepEqual([...(chunk?.values ?? [])], [NaN, 1, 2.5, NaN, 0, -100]);
  });

  it('reports invalid JSON, non-objects and non-numbers at their line', async () => {
    const cases: [string[], RegExp][] = [
      [['{"a": 1}', '{"a": 2', '{"a": 3}'], /Line 2: Invalid JSON/],
      [['{"a": 1}', '[1]'], /Line 2: Expected a JSON object on each line\./],
      [['{"a": 1}', '', '{"a": "abc"}'], /Line 3, column 'a': "abc" is not a number\./],
    ];
    for (const [index, [lines, pattern]] of cases.entries()) {
      const path = await jsonlFile(`bad-${index}.jsonl`, lines);
      const error = await readAll(path, ['a']).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof InputFileError);
      assert.ok(error.message.startsWith(`Error processing input file: '${path}'.`));
      assert.match(error.message, pattern);
    }
  });

  it('yields nothing for an empty file', async () => {
    const path = await jsonlFile('empty.jsonl', []);
    const source = await openJsonl(path);
    assert.deepEqual(source.columns, []);
    assert.deepEqual(await readAll(path, []), []);
  });
});
