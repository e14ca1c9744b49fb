/**
 * Keeps access tokens until shortly before they expire, on the Clock's time so tests can make tokens
 * expire (spec §5.6 item 5). Concurrent requests for the same key share one in-flight fetch; a failed fetch
 * is forgotten at once so the next call tries again. Each waiter can still give up through its own signal
 * without cancelling the shared fetch for the others.
 */
import type { Clock } from '../time/clock.ts';

export interface FetchedToken {
  accessToken: string;
  /** Lifetime from the moment it was received; 0 means "do not reuse". */
  expiresInMs: number;
}

interface Entry {
  token: Promise<FetchedToken>;
  /** Clock time after which the entry is not reused; undefined while the fetch is in flight. */
  reuseUntil: number | undefined;
}

export class TokenCache {
  readonly #clock: Clock;
  readonly #refreshMarginMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(clock: Clock, refreshMarginMs: number) {
    this.#clock = clock;
    this.#refreshMarginMs = refreshMarginMs;
  }

  async get(key: string, fetchToken: () => Promise<FetchedToken>, signal?: AbortSignal): Promise<string> {
    const cached = this.#entries.get(key);
    const now = this.#clock.now().getTime();
    const entry =
      cached !== undefined && (cached.reuseUntil === undefined || now < cached.reuseUntil)
        ? cached
        : this.#start(key, fetchToken);
    const token = await abortable(entry.token, signal);
    return token.accessToken;
  }

  #start(key: string, fetchToken: () => Promise<FetchedToken>): Entry {
    const entry: Entry = { token: fetchToken(), reuseUntil: undefined };
    this.#entries.set(key, entry);
    entry.token.then(
      (token) => {
        // A token is refreshed a margin before expiry; short-lived tokens use half their lifetime instead.
        const margin = Math.min(this.#refreshMarginMs, token.expiresInMs / 2);
        entry.reuseUntil = this.#clock.now().getTime() + token.expiresInMs - margin;
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return entry;
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      reject(signal.reason as Error);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => {
    signal.removeEventListener('abort', onAbort);
  });
}
