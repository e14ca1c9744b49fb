/**
 * The IPC messages between the worker pool (parent) and a worker child process (worker-main.ts).
 *
 * Only settings, paths and counts cross the boundary, never input data or output rows: the child reads
 * its inputs from local paths and writes its rows straight to the mini-batch's part file. The parent
 * owns timeouts and process lifetime; the child only answers what it is asked.
 */
import type { MiniBatchOutcome, RuntimeSettings } from './contract.ts';

/** One attempt at one mini-batch, as the pool hands it to a worker. */
export interface RunTask {
  miniBatchId: string;
  /** Absolute local paths of the mini-batch's input files. */
  files: string[];
  /** The mini-batch's own part file; replaced as a whole when the attempt succeeds. */
  partPath: string;
  /** 1 for the first attempt; only used for logs. */
  attempt: number;
}

/** Parent → child. */
export type ParentMessage =
  { type: 'init'; settings: RuntimeSettings } | ({ type: 'run' } & RunTask) | { type: 'dispose' };

/** Child → parent. */
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'init-failed'; message: string; stack?: string }
  | { type: 'done'; miniBatchId: string; outcome: MiniBatchOutcome }
  | { type: 'failed'; miniBatchId: string; message: string; stack?: string };

const childTypes = new Set(['ready', 'init-failed', 'done', 'failed']);

/** IPC delivers whatever the child sent (a script may call `process.send` too); only ours pass. */
export function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && childTypes.has(type);
}

export function isParentMessage(value: unknown): value is ParentMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'init' || type === 'run' || type === 'dispose';
}

/** Asks a spare child to import the runtimes while it waits; worker-main removes it from argv. */
export const PRELOAD_FLAG = '--nightshift-preload';

/**
 * Followed by the worker's own scratch folder (under the data dir), which becomes its TMPDIR; the
 * parent removes the folder when the worker exits. worker-main removes both from argv.
 */
export const SCRATCH_FLAG = '--nightshift-scratch';

/** An error's message and stack in a form that survives JSON serialisation. */
export function describeError(error: unknown): { message: string; stack?: string } {
  if (error instanceof Error) {
    return error.stack === undefined
      ? { message: error.message }
      : { message: error.message, stack: error.stack };
  }
  return { message: `A non-Error value was thrown: ${String(error)}` };
}
