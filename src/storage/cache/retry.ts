/**
 * Tries a storage operation again, with exponential backoff and jitter, while it fails in a way that
 * may pass (throttling, a busy server, a dropped connection: see storage-failure.ts). Anything else,
 * and the last transient failure, is thrown as it came. SDKs retry single requests themselves; this is
 * the engine's own layer around a whole operation (a download that breaks halfway through included),
 * so every kind of datastore gets the same behaviour.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isTransient } from './storage-failure.ts';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  tries: number;
  /** Delay before the second try; each next one doubles, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { tries: 4, baseDelayMs: 250, maxDelayMs: 8_000 };

/** The operation's result; on failure, the error of the last try and how many tries were made. */
export async function withRetry<T>(
  policy: RetryPolicy,
  operation: (attempt: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= policy.tries || !isTransient(error)) {
        throw new RetriesExhausted(error, attempt);
      }
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      // Jitter, so the workers of a job that a throttled account turned away do not all come back at once.
      await sleep(delay / 2 + Math.random() * (delay / 2));
    }
  }
}

/** The last error of an operation and the tries it took; the caller turns it into its own message. */
export class RetriesExhausted extends Error {
  readonly tries: number;
  constructor(cause: unknown, tries: number) {
    super('storage operation failed', { cause });
    this.tries = tries;
  }
}
