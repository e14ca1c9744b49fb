/**
 * Row ranges made into files of their own, for scoring scripts. A split mini-batch names part of a file
 * (`big.csv#bytes=START-END&row=FIRST`, see core/row-ranges.ts); the no-code runtime reads such a range
 * in place, but a Python or JS script's `run(mini_batch)` opens paths with its own readers (pandas,
 * fs), so each range entry becomes a standalone file before the script sees it: a CSV range is the
 * file's header line followed by the range's bytes, a JSONL range is its bytes. The copy keeps the
 * original's basename, in a folder of its own per entry (two ranges of one file never collide, and a
 * script that keys its output on the file name sees the real name). Copies live in the worker's
 * scratch folder and are removed when the attempt ends.
 *
 * Parquet row ranges are refused at invoke for scripts (engine/split/split-input.ts); one reaching here
 * is an error naming why.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseRangeRef } from '../core/row-ranges.ts';

/** A mini-batch as a script sees it, and the way back to the entries the engine counts. */
export interface MaterializedBatch {
  /** The paths to hand to the script: plain entries as given, range entries as their copies. */
  files: string[];
  /** The mini-batch entry a path in `files` stands for (itself when it was not a range). */
  entryOf(file: string): string;
  /** Removes every copy (idempotent; failures ignored). */
  cleanup(): Promise<void>;
}

const LF = 10;
const HEAD_STEP = 64 * 1024;

/** The bytes of the file's first line, its line feed included (the CSV header, as the readers take it). */
async function headerLine(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let at = 0;
    for (;;) {
      const block = Buffer.alloc(HEAD_STEP);
      const { bytesRead } = await handle.read(block, 0, HEAD_STEP, at);
      if (bytesRead === 0) return Buffer.concat(chunks);
      const lf = block.subarray(0, bytesRead).indexOf(LF);
      if (lf >= 0) {
        chunks.push(block.subarray(0, lf + 1));
        return Buffer.concat(chunks);
      }
      chunks.push(block.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** Writes one range entry as a file named as the original, in a new folder under `dir`. */
async function copyRange(entry: string, dir: string): Promise<{ file: string; folder: string }> {
  const { path, range } = parseRangeRef(entry);
  if (range?.kind !== 'bytes') {
    throw new Error(
      `${entry} is a Parquet row range; scoring scripts are handed whole Parquet files, so give ` +
        'mini_batch_size as a number of files for this deployment.',
    );
  }
  const folder = join(dir, randomUUID());
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const file = join(folder, basename(path));
  try {
    const header = extname(path).toLowerCase() === '.csv' ? await headerLine(path) : undefined;
    const out = createWriteStream(file, { mode: 0o600 });
    if (header !== undefined) out.write(header);
    if (range.end > range.start) {
      await pipeline(createReadStream(path, { start: range.start, end: range.end - 1 }), out);
    } else {
      await new Promise<void>((resolve, reject) => {
        out.once('error', reject);
        out.end(resolve);
      });
    }
    return { file, folder };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The mini-batch with every range entry written as a file of its own under `dir`; plain entries are
 * passed through untouched (and cost nothing).
 */
export async function materializeRanges(entries: readonly string[], dir: string): Promise<MaterializedBatch> {
  const back = new Map<string, string>();
  const folders: string[] = [];
  const cleanup = async () => {
    await Promise.all(
      folders.splice(0).map((f) => rm(f, { recursive: true, force: true }).catch(() => undefined)),
    );
  };
  const files: string[] = [];
  try {
    for (const entry of entries) {
      if (parseRangeRef(entry).range === undefined) {
        files.push(entry);
        continue;
      }
      const { file, folder } = await copyRange(entry, dir);
      folders.push(folder);
      back.set(file, entry);
      files.push(file);
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { files, entryOf: (file) => back.get(file) ?? file, cleanup };
}
