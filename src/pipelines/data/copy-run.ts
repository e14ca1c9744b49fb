/**
 * The work of one Copy once its datasets are resolved: byte copies (Binary to Binary, or the same format
 * on both sides) streamed file by file from the source store into the sink store, and tabular copies
 * (DelimitedText to DelimitedText or Parquet) parsed and rewritten row batch by row batch. MergeFiles
 * feeds every source file into one sink upload, a tabular merge keeping one header. Counts are what
 * Data Factory reports: bytes and files read and written, and rows for tabular copies.
 */
import { PassThrough, type Readable } from 'node:stream';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { ActivityFailure } from '../runner/activity-failure.ts';
import type { ResolvedDataset } from './dataset-resolver.ts';
import { copyBehaviorOf, selectSourceFiles, sinkPaths, type SourceFile } from './copy-sources.ts';
import {
  columnNames,
  delimitedSettings,
  formatRecord,
  ParquetRowSink,
  readRecords,
  ROW_BATCH,
  type DelimitedSettings,
} from './tabular.ts';
import type { Json } from '../../core/wire-values.ts';

export interface CopyCounts {
  dataRead: number;
  dataWritten: number;
  filesRead: number;
  filesWritten: number;
  rows?: number;
}

interface RowWriter {
  start(names: readonly string[]): Promise<void>;
  write(rows: readonly (readonly string[])[]): Promise<void>;
  end(): Promise<void>;
}

async function send(out: PassThrough, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

function csvWriter(out: PassThrough, s: DelimitedSettings): RowWriter {
  return {
    start: (names) => (s.firstRowAsHeader ? send(out, formatRecord(names, s)) : Promise.resolve()),
    async write(rows) {
      let text = '';
      for (const row of rows) text += formatRecord(row, s);
      await send(out, text);
    },
    end: () => {
      out.end();
      return Promise.resolve();
    },
  };
}

function parquetWriter(out: PassThrough, nullValue: string): RowWriter {
  const sink = new ParquetRowSink(out);
  return {
    start: (names) => {
      sink.start(names);
      return Promise.resolve();
    },
    write: (rows) => sink.write(rows, nullValue),
    end: () => sink.end(),
  };
}

/** Streams the records of each source into `writer`, one header for all (a merge keeps the first). */
async function pumpRecords(
  sources: readonly (() => Readable)[],
  s: DelimitedSettings,
  writer: RowWriter,
): Promise<number> {
  let rows = 0;
  let started = false;
  // Opened one after another, so a merge holds one source stream at a time.
  for (const open of sources) {
    let first = true;
    let batch: string[][] = [];
    for await (const record of readRecords(open(), s)) {
      if (!started) {
        await writer.start(columnNames(record, s.firstRowAsHeader));
        started = true;
      }
      if (first && s.firstRowAsHeader) {
        first = false;
        continue;
      }
      first = false;
      batch.push(record);
      if (batch.length >= ROW_BATCH) {
        await writer.write(batch);
        rows += batch.length;
        batch = [];
      }
    }
    await writer.write(batch);
    rows += batch.length;
  }
  if (!started) await writer.start([]);
  await writer.end();
  return rows;
}

async function writeTabular(
  source: ResolvedDataset,
  sink: ResolvedDataset,
  files: readonly SourceFile[],
  target: string,
): Promise<{ rows: number; size: number }> {
  const readSettings = delimitedSettings(source.settings);
  const sinkSettings = delimitedSettings(sink.settings);
  const out = new PassThrough();
  const writer =
    sink.type === 'Parquet' ? parquetWriter(out, readSettings.nullValue) : csvWriter(out, sinkSettings);
  const pumped = pumpRecords(
    files.map((f) => () => source.store.backend.openRead(f.path)),
    readSettings,
    writer,
  ).catch((error: unknown) => {
    out.destroy(error as Error);
    throw error;
  });
  const [rows, written] = await Promise.all([pumped, sink.store.backend.write(target, out)]);
  return { rows, size: written.size };
}

async function writeBytes(
  source: ResolvedDataset,
  sink: ResolvedDataset,
  files: readonly SourceFile[],
  target: string,
): Promise<number> {
  const [only] = files;
  if (files.length === 1 && only !== undefined) {
    return (await sink.store.backend.write(target, source.store.backend.openRead(only.path))).size;
  }
  const out = new PassThrough();
  const feed = (async () => {
    for (const f of files) await pipeline(source.store.backend.openRead(f.path), out, { end: false });
    out.end();
  })().catch((error: unknown) => {
    out.destroy(error as Error);
    throw error;
  });
  const [, written] = await Promise.all([feed, sink.store.backend.write(target, out)]);
  return written.size;
}

function copyMode(source: ResolvedDataset, sink: ResolvedDataset): 'bytes' | 'tabular' {
  if (source.type === 'DelimitedText' && (sink.type === 'DelimitedText' || sink.type === 'Parquet'))
    return 'tabular';
  if (source.type === sink.type) return 'bytes';
  throw new ActivityFailure(
    'UserErrorUnsupportedCopy',
    `Copy from a ${source.type} dataset ('${source.name}') to a ${sink.type} dataset ('${sink.name}') is not supported: Binary copies only to Binary, and DelimitedText converts to DelimitedText or Parquet.`,
  );
}

/** How many files a copy moves at once unless `parallelCopies` says otherwise. */
const DEFAULT_PARALLEL_COPIES = 4;

/** `parallelCopies` as given (1 to 32), or the default. */
export function parallelCopiesOf(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 32) : DEFAULT_PARALLEL_COPIES;
}

/** Runs `work` over the items, at most `limit` at a time; the first failure stops new work and is thrown. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Runs the copy and returns its counts. */
export async function runCopy(
  source: ResolvedDataset,
  sink: ResolvedDataset,
  settings: { source: Json; sink: Json; runId: string; signal: AbortSignal; parallelCopies?: unknown },
): Promise<CopyCounts> {
  const mode = copyMode(source, sink);
  const behavior = copyBehaviorOf(settings.sink);
  const files = await selectSourceFiles(
    source.store.backend,
    { folderPath: source.folderPath, fileName: source.fileName, storeSettings: settings.source },
    { dataset: source.name, label: source.store.label },
  );
  const targets = sinkPaths(files, behavior, { ...sink, runId: settings.runId });
  const groups = behavior === 'MergeFiles' ? [files] : files.map((f) => [f]);
  const counts: CopyCounts = { dataRead: 0, dataWritten: 0, filesRead: files.length, filesWritten: 0 };
  if (mode === 'tabular') counts.rows = 0;
  await eachLimited(groups, parallelCopiesOf(settings.parallelCopies), async (group, i) => {
    settings.signal.throwIfAborted();
    const target = targets[i] ?? '';
    // Each result is awaited before it is added: `x += await y` would read x before the wait and lose
    // what parallel copies added meanwhile.
    if (mode === 'tabular') {
      const { rows, size } = await writeTabular(source, sink, group, target);
      counts.rows = (counts.rows ?? 0) + rows;
      counts.dataWritten += size;
    } else {
      const size = await writeBytes(source, sink, group, target);
      counts.dataWritten += size;
    }
    counts.dataRead += group.reduce((sum, f) => sum + f.size, 0);
    counts.filesWritten += 1;
  });
  return counts;
}
