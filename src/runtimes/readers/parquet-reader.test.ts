import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { openCsv } from './csv-reader.ts';
import { openParquet } from './parquet-reader.ts';
import type { NumericChunk, TabularSource } from './tabular.ts';

// 569 rows in row groups of 200, 200 and 169; DOUBLE columns compressed with ZSTD.
const PARQUET = new URL('../../../fixtures/data/breast-cancer-parquet/breast-cancer.parquet', import.meta.url)
  .pathname;
const CSV_PARTS = [0, 1, 2, 3].map(
  (part) => new URL(`../../../fixtures/data/breast-cancer/part-${part}.csv`, import.meta.url).pathname,
);

async function collect(
  source: TabularSource,
  columns: readonly string[],
  chunkRows: number,
): Promise<NumericChunk[]> {
  const chunks: NumericChunk[] = [];
  for await (const chunk of source.chunks({ columns, chunkRows, dtype: 'float64' })) chunks.push(chunk);
  return chunks;
}

describe('openParquet', () => {
  it('needs the ZSTD codec from hyparquet-compressors for this fixture', async () => {
    const file = await asyncBufferFromFile(PARQUET);
    await assert.rejects(parquetReadObjects({ file, rowEnd: 1 }), /unsupported compression codec: ZSTD/);
  });

  it('reads the schema: all 30 columns are numeric', async () => {
    const source = await openParquet(PARQUET);
    assert.equal(source.columns.length, 30);
    assert.deepEqual(source.numericColumns, source.columns);
  });

  it('streams the same values as the CSV parts, in chunks that cross row-group boundaries', async () => {
    const source = await openParquet(PARQUET);
    const columns = ['worst_area', 'mean_radius'];
    const chunks = await collect(source, columns, 150);
    assert.deepEqual(
      chunks.map((chunk) => [chunk.firstRow, chunk.rowCount]),
      [
        [0, 150],
        [150, 150],
        [300, 150],
        [450, 119],
      ],
    );
    const fromCsv: number[] = [];
    for (const part of CSV_PARTS) {
      for (const chunk of await collect(await openCsv(part), columns, 1000)) fromCsv.push(...chunk.values);
    }
    assert.deepEqual(
      chunks.flatMap((chunk) => [...chunk.values]),
      fromCsv,
    );
  });

  it("names missing columns in MLflow's words and wraps a broken file", async () => {
    const source = await openParquet(PARQUET);
    await assert.rejects(collect(source, ['mean_radius', 'nope'], 10), /Model is missing inputs \['nope'\]/);
    const dir = await mkdtemp(join(tmpdir(), 'nightshift-parquet-'));
    try {
      const broken = join(dir, 'broken.parquet');
      await writeFile(broken, 'PAR1 this is not parquet PAR1');
      await assert.rejects(
        openParquet(broken),
        /^InputFileError: Error processing input file: '.*broken\.parquet'\. Cannot read the Parquet footer/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
