/**
 * A clock that only moves when a test says so, for the WebActivity tests: they wait until the activity is
 * sleeping for a given duration (a 202 poll, an HTTP deadline) and then advance past it, so timeouts and
 * polling are exercised exactly and without real waiting or timing thresholds.
 */
import type { Clock } from '../../../../src/pipelines/time/clock.ts';

interface Sleeper {
  due: number;
  ms: number;
  wake(): void;
}

export class ManualClock implements Clock {
  #now: number;
  readonly #sleepers = new Set<Sleeper>();
  #listeners: (() => void)[] = [];

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.#now = start;
  }

  now(): Date {
    return new Date(this.#now);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    // Nothing to wait for ends at once, as on the real and virtual clocks (test/contracts/clock.test.ts).
    if (!(ms > 0)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#sleepers.delete(sleeper);
        reject(signal?.reason as Error);
      };
      const sleeper: Sleeper = {
        due: this.#now + ms,
        ms,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.add(sleeper);
      const listeners = this.#listeners;
      this.#listeners = [];
      for (const listener of listeners) listener();
    });
  }

  /** Moves time forward and wakes every sleep that has come due, in deadline order (ties as they began). */
  advance(ms: number): void {
    this.#now += ms;
    const due = [...this.#sleepers].filter((sleeper) => sleeper.due <= this.#now);
    for (const sleeper of due.sort((a, b) => a.due - b.due)) {
      this.#sleepers.delete(sleeper);
      sleeper.wake();
    }
  }

  /** Durations of the sleeps currently pending. */
  pendingSleeps(): number[] {
    return [...this.#sleepers].map((sleeper) => sleeper.ms);
  }

  /**
   * Resolves once a sleep of exactly `ms` is pending; rejects if `activity` settles first, so a broken
   * implementation fails the test instead of leaving it waiting forever.
   */
  async sleepingDuring(ms: number, activity: Promise<unknown>): Promise<void> {
    const settled = activity.then(
      () => 'settled',
      () => 'settled',
    );
    const first = await Promise.race([this.sleeping(ms).then(() => 'sleeping'), settled]);
    if (first !== 'sleeping') {
      throw new Error(
        `the activity ended instead of sleeping ${ms} ms (pending: ${this.pendingSleeps().join(', ')})`,
      );
    }
  }

  /** Resolves once a sleep of exactly `ms` is pending. */
  async sleeping(ms: number): Promise<void> {
    while (!this.pendingSleeps().includes(ms)) {
      await new Promise<void>((resolve) => this.#listeners.push(resolve));
    }
  }
}
