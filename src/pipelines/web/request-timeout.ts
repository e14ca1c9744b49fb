/**
 * A per-call deadline driven by the Clock port rather than by setTimeout, so `httpRequestTimeout` runs on
 * a virtual clock in tests (spec §7.2: every wait goes through the Clock). The caller's own signal (pipeline
 * cancel, activity timeout) is combined with the deadline; which of the two fired decides the outcome.
 */
import type { Clock } from '../time/clock.ts';

export class RequestTimeoutError extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`The request did not complete within ${timeoutMs} ms.`);
    this.name = 'RequestTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Runs `work` with a signal that aborts after `timeoutMs` of clock time or when `parent` aborts. Rejects
 * with RequestTimeoutError on the deadline and with the parent's reason on cancellation, whatever error
 * the aborted work itself threw.
 */
export async function withRequestTimeout<T>(
  clock: Clock,
  timeoutMs: number,
  parent: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (isAborted(parent)) throw parent?.reason;
  const deadline = new AbortController();
  const stopTimer = new AbortController();
  clock.sleep(timeoutMs, stopTimer.signal).then(
    () => {
      deadline.abort(new RequestTimeoutError(timeoutMs));
    },
    () => {
      // The call finished first and stopped the timer.
    },
  );
  const signal = parent === undefined ? deadline.signal : AbortSignal.any([parent, deadline.signal]);
  try {
    return await work(signal);
  } catch (error) {
    if (isAborted(parent)) throw parent?.reason;
    if (deadline.signal.aborted) throw deadline.signal.reason;
    throw error;
  } finally {
    stopTimer.abort();
  }
}

/** A function, not an inline test, so the check after an await is not narrowed away by the one before. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
