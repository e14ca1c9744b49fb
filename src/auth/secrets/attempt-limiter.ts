/**
 * Slows down guessing of client secrets: after `maxFailures` wrong secrets within `windowMs` for one key
 * (a client id, or a remote address), that key is refused for `lockoutMs`, and the caller answers 429 with
 * the returned Retry-After. In memory only: a restart forgets, which is acceptable for a throttle. The
 * clock is injected so tests need no sleeping.
 */
import { isLoopback } from '../loopback.ts';

export interface LimiterOptions {
  maxFailures?: number;
  windowMs?: number;
  lockoutMs?: number;
  /** Keys remembered at most; the oldest are dropped first, so a flood of addresses cannot exhaust memory. */
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
  failures: number[];
  lockedUntil: number;
}

/** Keys for one token request: per client id and per remote address, prefixed so they cannot collide. */
export function limiterKeys(clientId: string | undefined, remoteAddress: string | undefined): string[] {
  const keys: string[] = [];
  if (clientId) keys.push(`client:${clientId.toLowerCase()}`);
  // Every process on the host shares the loopback address: locking it would let one misconfigured
  // pipeline lock the local owner out. Guessing from the host is still limited per client id.
  if (remoteAddress && !isLoopback(remoteAddress)) keys.push(`addr:${remoteAddress}`);
  return keys;
}

export class AttemptLimiter {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #lockoutMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: LimiterOptions = {}) {
    this.#maxFailures = options.maxFailures ?? 5;
    this.#windowMs = options.windowMs ?? 5 * 60_000;
    this.#lockoutMs = options.lockoutMs ?? 15 * 60_000;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Whether an attempt may be made now; call before checking the secret. */
  check(keys: readonly string[]): LimitDecision {
    const now = this.#now();
    let until = 0;
    for (const key of keys) {
      const e = this.#entries.get(key);
      if (e && e.lockedUntil > now) until = Math.max(until, e.lockedUntil);
    }
    return until > now ? { allowed: false, retryAfterSeconds: Math.ceil((until - now) / 1000) } : OPEN;
  }

  /** Records a wrong secret against every key; the decision says whether that locked one of them. */
  fail(keys: readonly string[]): LimitDecision {
    const now = this.#now();
    for (const key of keys) {
      const e = this.#entries.get(key) ?? { failures: [], lockedUntil: 0 };
      e.failures = e.failures.filter((t) => now - t < this.#windowMs);
      e.failures.push(now);
      if (e.failures.length >= this.#maxFailures) {
        e.lockedUntil = now + this.#lockoutMs;
        e.failures = [];
      }
      // Re-inserting moves the key to the end, so eviction drops the least recently failing keys.
      this.#entries.delete(key);
      this.#entries.set(key, e);
    }
    this.#evict(now);
    return this.check(keys);
  }

  /**
   * Forgets the failures of the given keys. Pass only the client id's key: resetting the address on any
   * success would let someone holding one valid secret keep guessing other clients' secrets from there.
   */
  succeed(keys: readonly string[]): void {
    for (const key of keys) this.#entries.delete(key);
  }

  /** Keys currently remembered (for tests and diagnostics). */
  get size(): number {
    return this.#entries.size;
  }

  #evict(now: number): void {
    if (this.#entries.size <= this.#maxKeys) return;
    for (const [key, e] of this.#entries) {
      if (e.lockedUntil <= now && e.failures.every((t) => now - t >= this.#windowMs))
        this.#entries.delete(key);
    }
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxKeys) break;
      this.#entries.delete(key);
    }
  }
}
