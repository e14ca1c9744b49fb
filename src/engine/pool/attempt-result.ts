/**
 * How one attempt at a mini-batch ended, as the pool reports it to the job loop: the script's answer,
 * or the way it failed (an exception, a timeout, a crashed worker, an init() that failed; or, from the
 * job loop itself, an attempt that could not be handed to a worker at all). The pool
 * never decides about retries; the job loop records the result (attempts.ts) and the store decides.
 */
import type { MiniBatchOutcome } from '../../runtimes/contract.ts';
import type { RunResult } from './worker-process.ts';

/**
 * `dispatch`: the attempt never reached a worker, because preparing it failed (an input file that can
 * no longer be read here, say); the job loop reports it so, and the mini-batch is retried or fails like
 * any other.
 */
export type AttemptFailureKind = 'exception' | 'timeout' | 'crash' | 'init' | 'dispatch';

export type AttemptResult =
  | { ok: true; outcome: MiniBatchOutcome; worker: string; elapsedMs: number }
  | {
      ok: false;
      kind: AttemptFailureKind;
      message: string;
      stack?: string;
      worker: string;
      elapsedMs: number;
    };

/** run() on a pool that is closing or was killed; the attempt never happened. */
export class WorkerPoolClosedError extends Error {
  readonly code = 'WorkerPoolClosed';
  constructor() {
    super('The worker pool is closed; the mini batch was not run.');
    this.name = 'WorkerPoolClosedError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** An init() failure as every attempt sees it once the pool has given up starting workers. */
export interface InitFailure {
  message: string;
  stack?: string;
  worker: string;
}

export function initFailureResult(failure: InitFailure, elapsedMs: number): AttemptResult {
  return { ok: false, kind: 'init', ...failure, elapsedMs };
}

export function toAttemptResult(result: RunResult, worker: string, elapsedMs: number): AttemptResult {
  if (result.kind === 'done') return { ok: true, outcome: result.outcome, worker, elapsedMs };
  const { kind, message, stack } = result;
  return stack === undefined
    ? { ok: false, kind, message, worker, elapsedMs }
    : { ok: false, kind, message, stack, worker, elapsedMs };
}
