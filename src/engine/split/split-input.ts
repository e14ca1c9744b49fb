/**
 * Plans the mini-batches of a job whose deployment sets `mini_batch_size` as a size (`"64MB"`) or a row
 * count (`"100000 rows"`): each tabular file bigger than that is cut into row ranges (CSV and JSONL at
 * record ends, Parquet at row-group boundaries), each range one mini-batch, named as in
 * core/row-ranges.ts. Other files are whole items: by size, consecutive small files share a mini-batch
 * up to the size; by rows, each is its own. The cuts are found here, once, at invoke, by streaming the
 * file from its datastore (Parquet: its footer only), so every worker reads exactly its own range.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { parquetMetadataAsync, type AsyncBuffer } from 'hyparquet';
import { ValidationError } from '../../core/errors.ts';
import type { InputFileDigest } from '../../core/jobs.ts';
import type { DeploymentSettings } from '../../core/resources.ts';
import {
  parseRangeRef,
  parseSplitSize,
  rangeRef,
  type FileRange,
  type SplitSize,
} from '../../core/row-ranges.ts';
import type { DatastoreBackend, FileEntry } from '../../storage/contract.ts';
import { csvScanner, jsonlScanner } from './record-cuts.ts';

type Format = 'csv' | 'jsonl' | 'parquet';

const FORMATS: Record<string, Format> = { csv: 'csv', jsonl: 'jsonl', parquet: 'parquet', pqt: 'parquet' };

function formatOf(path: string): Format | undefined {
  return FORMATS[extname(path).slice(1).toLowerCase()];
}

/** Bytes per read of a local file in the cut pass: fewer, larger reads than a stream's 64 KiB. */
const READ_BYTES = 4 << 20;
const THREAD_HASH_BYTES = 64 << 20;

async function* localBlocks(path: string): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  try {
    const block = Buffer.allocUnsafe(READ_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(block, 0, READ_BYTES, null);
      if (bytesRead === 0) return;
      yield block.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** Size and sha256 of a local file, hashed in a worker thread (input-hash-thread.ts) beside the pass. */
async function hashInThread(path: string): Promise<{ size: number; sha256: string } | undefined> {
  const thread = new Worker(new URL('../input-hash-thread.ts', import.meta.url), { workerData: [path] });
  const [results] = (await once(thread, 'message')) as [{ size: number; sha256: string }[]];
  return results[0];
}

/**
 * The cuts of a CSV or JSONL file, and its size and sha256 for the manifest (workers that read ranges
 * hash nothing): a local file is hashed in a thread while this pass reads it, a remote one as it streams.
 */
async function textRanges(
  backend: DatastoreBackend,
  file: FileEntry,
  format: 'csv' | 'jsonl',
  split: SplitSize,
) {
  const scanner = format === 'csv' ? csvScanner(split) : jsonlScanner(split);
  const local = await backend.localPath(file.path);
  // A thread pays off for a big file only; a small one (a row count cuts small files too) is hashed here.
  if (local !== undefined && file.size >= THREAD_HASH_BYTES) {
    const hashing = hashInThread(local).catch(() => undefined);
    for await (const block of localBlocks(local)) scanner.push(block);
    const digest = await hashing;
    return { ranges: scanner.finish(), digest: digest && { path: file.path, ...digest } };
  }
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of local === undefined ? backend.openRead(file.path) : localBlocks(local)) {
    scanner.push(chunk as Buffer);
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { ranges: scanner.finish(), digest: { path: file.path, size, sha256: hash.digest('hex') } };
}

/** hyparquet's view of a file: reads of byte ranges, here from the datastore. */
function datastoreBuffer(backend: DatastoreBackend, path: string, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number) {
      const chunks: Buffer[] = [];
      for await (const chunk of backend.openRead(path, { start, end: end ?? size }))
        chunks.push(chunk as Buffer);
      const whole = Buffer.concat(chunks);
      // A copy of its own: a small Buffer may sit in Node's shared pool.
      const out = new ArrayBuffer(whole.length);
      new Uint8Array(out).set(whole);
      return out;
    },
  };
}

/** Row ranges of whole row groups, each reaching the size (compressed bytes) or row count. */
async function parquetRanges(
  backend: DatastoreBackend,
  file: FileEntry,
  split: SplitSize,
): Promise<FileRange[]> {
  const metadata = await parquetMetadataAsync(datastoreBuffer(backend, file.path, file.size));
  const ranges: FileRange[] = [];
  let start = 0;
  let rows = 0;
  let bytes = 0;
  for (const group of metadata.row_groups) {
    rows += Number(group.num_rows);
    bytes += Number(group.total_compressed_size ?? group.total_byte_size);
    if (split.unit === 'rows' ? rows >= split.count : bytes >= split.count) {
      ranges.push({ kind: 'rows', start, end: start + rows });
      start += rows;
      rows = 0;
      bytes = 0;
    }
  }
  if (rows > 0) ranges.push({ kind: 'rows', start, end: start + rows });
  return ranges;
}

/**
 * The entries a file becomes: its ranges, or the file itself when it is small or not a table; with the
 * file's digest when the pass read all of it (CSV, JSONL).
 */
export async function splitFile(
  backend: DatastoreBackend,
  file: FileEntry,
  split: SplitSize,
): Promise<{ entries: string[]; digest?: InputFileDigest }> {
  const format = formatOf(file.path);
  if (format === undefined || (split.unit === 'bytes' && file.size <= split.count))
    return { entries: [file.path] };
  const { ranges, digest } =
    format === 'parquet'
      ? { ranges: await parquetRanges(backend, file, split), digest: undefined }
      : await textRanges(backend, file, format, split);
  if (ranges.length <= 1) return { entries: [file.path] };
  return { entries: ranges.map((range) => rangeRef(file.path, range)), ...(digest ? { digest } : {}) };
}

/** The mini-batches (lists of entries) of a job's input files, in order. */
export async function splitIntoMiniBatches(
  backend: DatastoreBackend,
  files: readonly FileEntry[],
  split: SplitSize,
): Promise<{ batches: string[][]; digests: InputFileDigest[] }> {
  const batches: string[][] = [];
  const digests: InputFileDigest[] = [];
  let packing: { entries: string[]; bytes: number } | undefined;
  for (const file of files) {
    const { entries, digest } = await splitFile(backend, file, split);
    if (digest) digests.push(digest);
    const whole = entries.length === 1 && entries[0] === file.path;
    if (split.unit === 'bytes' && whole && file.size < split.count) {
      if (packing && packing.bytes + file.size <= split.count) {
        packing.entries.push(file.path);
        packing.bytes += file.size;
        continue;
      }
      packing = { entries: [file.path], bytes: file.size };
      batches.push(packing.entries);
      continue;
    }
    packing = undefined;
    for (const entry of entries) batches.push([entry]);
  }
  return { batches, digests };
}

/**
 * The mini-batches of a job: `miniBatchSize` files each, or, with a split, ranges of its tabular files.
 * Ranges are read by the no-code (ONNX) runtime's table readers; a scoring script gets each CSV or JSONL
 * range as a file of its own (runtimes/range-files.ts). Parquet row ranges are not rewritten as files,
 * so a split that cuts a Parquet file is refused for a script before anything is created.
 */
export async function planMiniBatches(
  input: { files: readonly FileEntry[]; backend: DatastoreBackend },
  settings: Pick<DeploymentSettings, 'miniBatchSize' | 'miniBatchSplit'>,
  runtimeKind: string,
): Promise<{ batches: { index: number; files: string[] }[]; digests: InputFileDigest[] }> {
  const split = settings.miniBatchSplit === undefined ? undefined : parseSplitSize(settings.miniBatchSplit);
  if (split === undefined) {
    const batches: { index: number; files: string[] }[] = [];
    for (let i = 0; i < input.files.length; i += settings.miniBatchSize) {
      const files = input.files.slice(i, i + settings.miniBatchSize).map((f) => f.path);
      batches.push({ index: batches.length, files });
    }
    return { batches, digests: [] };
  }
  const { batches, digests } = await splitIntoMiniBatches(input.backend, input.files, split);
  const parquet =
    runtimeKind === 'onnx' ? undefined : batches.flat().find((e) => parseRangeRef(e).range?.kind === 'rows');
  if (parquet !== undefined) {
    throw new ValidationError(
      `mini_batch_size '${settings.miniBatchSplit ?? ''}' splits the Parquet file ${parseRangeRef(parquet).path} ` +
        `into row ranges, which only no-code ONNX models read; this deployment runs a ${runtimeKind} scoring ` +
        'script, which gets CSV and JSONL ranges as files but whole Parquet files. Give mini_batch_size as ' +
        'a number of files, or a size bigger than the Parquet files.',
      'miniBatchSize',
    );
  }
  return { batches: batches.map((files, index) => ({ index, files })), digests };
}
