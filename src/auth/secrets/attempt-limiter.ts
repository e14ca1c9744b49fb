/**
 * Slows down guessing of client secrets without handing anyone a way to lock a principal out. Wrong
 * secrets are counted per (client id, source address): the first `freeFailures` cost nothing, each one
 * after makes that pair wait, `baseBackoffMs` first and twice as long with every further wrong secret, up
 * to `maxBackoffMs` (by default the fifth wrong secret in a row waits 1 s, then 2 s, 4 s, ... 5 min). A
 * pair that has not failed is never refused, so an attacker who knows an app id locks out only itself, never the owner
 * presenting the right secret from its own machine. Guesses at client ids that do not exist all count under
 * one key per source, so made-up ids cannot buy fresh attempts. In memory only: a restart forgets, which is
 * acceptable for a throttle. The clock is injected so tests need no sleeping.
 */

export interface LimiterOptions {
  /** Wrong secrets a pair may send without waiting; the next one starts the wait. */
  freeFailures?: number;
  /** The first wait; every further wrong secret doubles it. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** A pair whose last wrong secret is older than this starts counting afresh. */
  forgetAfterMs?: number;
  /** Pairs remembered at most; the oldest are dropped first, so a flood of addresses cannot exhaust memory. */
  maxKeys?: number;
  now?: () => number;
}

export interface LimitDecision {
  allowed: boolean;
  /** Seconds to wait before trying again (0 when allowed), for the Retry-After header. */
  retryAfterSeconds: number;
}

const OPEN: LimitDecision = Object.freeze({ allowed: true, retryAfterSeconds: 0 });

interface Entry {
  failures: number;
  lastFailure: number;
  lockedUntil: number;
}

/**
 * The key of one token request. `clientId` is undefined when no principal has that id: every made-up id
 * from one source shares a key. The address is the socket peer's, loopback included: every process on the
 * host shares it, but a local process guessing one client's secret delays only that client, briefly.
 */
export function limiterKey(clientId: string | undefined, remoteAddress: string | undefined): string {
  const client = clientId === undefined ? 'unknown-client' : `client:${clientId.toLowerCase()}`;
  return `${client}|addr:${remoteAddress ?? 'unknown'}`;
}

export class AttemptLimiter {
  readonly #freeFailures: number;
  readonly #baseBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #forgetAfterMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: LimiterOptions = {}) {
    this.#freeFailures = options.freeFailures ?? 4;
    this.#baseBackoffMs = options.baseBackoffMs ?? 1000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 5 * 60_000;
    this.#forgetAfterMs = options.forgetAfterMs ?? 15 * 60_000;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Whether an attempt may be made now; call before checking the secret. */
  check(key: string): LimitDecision {
    const now = this.#now();
    const until = this.#entries.get(key)?.lockedUntil ?? 0;
    return until > now ? { allowed: false, retryAfterSeconds: Math.ceil((until - now) / 1000) } : OPEN;
  }

  /** Records a wrong secret; the decision says whether the pair must now wait, and how long. */
  fail(key: string): LimitDecision {
    const now = this.#now();
    const previous = this.#entries.get(key);
    const e =
      previous && now - previous.lastFailure < this.#forgetAfterMs
        ? previous
        : { failures: 0, lastFailure: now, lockedUntil: 0 };
    e.failures += 1;
    e.lastFailure = now;
    const beyond = e.failures - this.#freeFailures;
    if (beyond > 0) {
      // 2 ** 30 already exceeds any sensible cap; the exponent is bounded so the number stays finite.
      const wait = this.#baseBackoffMs * 2 ** Math.min(beyond - 1, 30);
      e.lockedUntil = now + Math.min(wait, this.#maxBackoffMs);
    }
    // Re-inserting moves the key to the end, so eviction drops the least recently failing keys.
    this.#entries.delete(key);
    this.#entries.set(key, e);
    this.#evict(now);
    return this.check(key);
  }

  /** The right secret from this pair: its count starts afresh. Other pairs keep theirs. */
  succeed(key: string): void {
    this.#entries.delete(key);
  }

  /** Keys currently remembered (for tests and diagnostics). */
  get size(): number {
    return this.#entries.size;
  }

  #evict(now: number): void {
    if (this.#entries.size <= this.#maxKeys) return;
    for (const [key, e] of this.#entries) {
      if (e.lockedUntil <= now && now - e.lastFailure >= this.#forgetAfterMs) this.#entries.delete(key);
    }
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxKeys) break;
      this.#entries.delete(key);
    }
  }
}
