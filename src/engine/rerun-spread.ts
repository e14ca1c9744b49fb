/**
 * A rerun of what failed often has fewer mini-batches to score than the job has workers: with one failed
 * file in a hundred, every worker but one would sit idle while it is scored whole, and that one file is
 * most of the rerun's time. So a failed mini-batch that is one whole CSV or JSONL file is cut into row
 * ranges, one per idle worker, as a split job's files are (split/split-input.ts). Only for the no-code
 * ONNX runtime, which reads ranges itself and gives every row its index within the file, so the output is
 * the one scoring the file whole gives. A scoring script keeps its whole files: it may rely on seeing a
 * file whole (a total per file), and cutting what it sees is the deployment's choice (mini_batch_size).
 *
 * The rerun's mini-batches are numbered anew, in the parent's order, so the output assembled in index
 * order keeps the parent's row order; each remembers the parent's mini-batch it comes from, whose part a
 * reused one takes over (rerun-parts.ts finds it by its entries).
 */
import type { InputFileDigest } from '../core/jobs.ts';
import { parseRangeRef } from '../core/row-ranges.ts';
import type { ResolvedInput } from './job-inputs.ts';
import { splitFile } from './split/split-input.ts';

/** Below this a range is not worth a worker of its own: starting the attempt costs more than it saves. */
const MIN_RANGE_BYTES = 1 << 20;
/**
 * The cut pass reads the file while the rerun request waits: above this (about half a second of reading)
 * the file is scored whole, as before; a deployment with files that big sets `mini_batch_size: "64MB"`,
 * and then its failed ranges are small already.
 */
const MAX_SPREAD_BYTES = 512 << 20;
const SPREAD_FORMATS = /\.(csv|jsonl)$/i;

export interface RerunBatch {
  index: number;
  files: string[];
  /** The parent's mini-batch it comes from. */
  parent: number;
  /** Scored again (it failed), rather than taken over. */
  queued: boolean;
}

/** The one whole CSV or JSONL file of a mini-batch worth cutting, else undefined. */
function spreadable(files: readonly string[], input: ResolvedInput) {
  const [entry] = files;
  if (files.length !== 1 || entry === undefined || !SPREAD_FORMATS.test(entry)) return undefined;
  if (parseRangeRef(entry).range !== undefined) return undefined;
  const file = input.files.find((f) => f.path === entry);
  return file && file.size <= MAX_SPREAD_BYTES ? file : undefined;
}

/**
 * The rerun's mini-batches: the parent's, renumbered, with each spreadable failed one cut into up to
 * `slots / failed` ranges; and the digests the cut passes took (workers reading ranges hash nothing).
 */
export async function spreadFailed(
  parent: readonly { index: number; files: string[]; queued: boolean }[],
  options: { slots: number; runtimeKind: string; input: ResolvedInput },
): Promise<{ batches: RerunBatch[]; digests: InputFileDigest[] }> {
  const failed = parent.filter((b) => b.queued).length;
  const share = failed === 0 ? 0 : Math.floor(options.slots / failed);
  // Looked up only when a failed file could get two workers or more: most reruns spread nothing.
  const spreads = share >= 2 && options.runtimeKind === 'onnx';
  const batches: RerunBatch[] = [];
  const digests: InputFileDigest[] = [];
  const add = (files: string[], from: { index: number; queued: boolean }) =>
    batches.push({ index: batches.length, files, parent: from.index, queued: from.queued });
  for (const batch of [...parent].sort((a, b) => a.index - b.index)) {
    const file = spreads && batch.queued ? spreadable(batch.files, options.input) : undefined;
    const pieces = file ? Math.min(share, Math.floor(file.size / MIN_RANGE_BYTES)) : 0;
    if (!file || pieces < 2) {
      add(batch.files, batch);
      continue;
    }
    // A file that cannot be read or cut is scored whole, and its attempt reports why, as before.
    const cut = await splitFile(options.input.backend, file, {
      unit: 'bytes',
      count: Math.ceil(file.size / pieces),
    }).catch(() => ({ entries: batch.files, digest: undefined }));
    if (cut.digest) digests.push(cut.digest);
    for (const entry of cut.entries) add([entry], batch);
  }
  return { batches, digests };
}
