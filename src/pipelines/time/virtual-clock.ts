/**
 * A clock whose time only moves when the code under it is waiting (spec §7.2), so a pipeline that polls
 * every 120 s for hours finishes in milliseconds of wall time and its durations are exact.
 *
 * Every sleep registers a timer. In auto-advance mode (the default) the clock watches for idleness: when a
 * few event-loop turns pass with no new sleep, no timer fired and no hold outstanding, nothing else can make
 * progress except the earliest timer, so the clock jumps to its deadline and fires it, one timer at a time,
 * ties in registration order. Work the clock cannot observe (real HTTP) must be wrapped with `hold()` (see
 * external-work.ts) or the clock may jump during it. Tests that want fine control turn auto-advance off and
 * call `advance(ms)`.
 */
import type { Clock } from './clock.ts';
import type { HoldableClock } from './external-work.ts';
import { TimerQueue, type Timer } from './timer-queue.ts';

export interface VirtualClockOptions {
  /** Initial time; defaults to 2024-01-01T00:00:00Z so runs are reproducible. */
  start?: Date | number;
  /** Jump to the next deadline whenever everything is waiting; default true. */
  autoAdvance?: boolean;
  /** Quiet event-loop turns that count as idle; default 5. More turns tolerate deeper async chains. */
  idleTurns?: number;
}

const DEFAULT_START = Date.UTC(2024, 0, 1);

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class VirtualClock implements Clock, HoldableClock {
  readonly #queue = new TimerQueue();
  readonly #autoAdvance: boolean;
  readonly #idleTurns: number;
  #now: number;
  #sequence = 0;
  /** Bumped by every event that may unblock someone; idleness means it stayed put for a while. */
  #generation = 0;
  #holds = 0;
  #idleLoopRunning = false;

  constructor(options: VirtualClockOptions = {}) {
    const start = options.start ?? DEFAULT_START;
    this.#now = typeof start === 'number' ? start : start.getTime();
    this.#autoAdvance = options.autoAdvance ?? true;
    this.#idleTurns = Math.max(1, options.idleTurns ?? 5);
  }

  now(): Date {
    return new Date(this.#now);
  }

  /** Sleeps not yet fired or aborted. */
  get pendingTimers(): number {
    return this.#queue.size;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const duration = Number.isFinite(ms) ? Math.max(0, ms) : 0;
    if (duration === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#queue.remove(timer);
        this.#generation++;
        reject(signal?.reason as Error);
      };
      const timer: Timer = {
        deadline: this.#now + duration,
        sequence: this.#sequence++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(timer);
      this.#generation++;
      this.#kick();
    });
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way in deadline order and letting
   * the woken code run (and register follow-up sleeps) before looking for the next one.
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + Math.max(0, ms);
    for (;;) {
      const next = this.#queue.peek();
      if (next === undefined || next.deadline > target) break;
      this.#fireEarliest();
      for (let i = 0; i < this.#idleTurns; i++) await nextTurn();
    }
    this.#now = Math.max(this.#now, target);
  }

  hold(): () => void {
    this.#holds++;
    this.#generation++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      this.#generation++;
      this.#kick();
    };
  }

  #fireEarliest(): void {
    const timer = this.#queue.pop();
    if (timer === undefined) return;
    this.#now = Math.max(this.#now, timer.deadline);
    this.#generation++;
    timer.fire();
  }

  #kick(): void {
    if (!this.#autoAdvance || this.#idleLoopRunning) return;
    if (this.#holds > 0 || this.#queue.size === 0) return;
    this.#idleLoopRunning = true;
    void this.#idleLoop();
  }

  async #idleLoop(): Promise<void> {
    try {
      while (this.#queue.size > 0 && this.#holds === 0) {
        if (await this.#becameIdle()) this.#fireEarliest();
      }
    } finally {
      this.#idleLoopRunning = false;
    }
  }

  /** True after `idleTurns` turns with nothing happening; false as soon as a hold appears. */
  async #becameIdle(): Promise<boolean> {
    let seen = this.#generation;
    let quiet = 0;
    while (quiet < this.#idleTurns) {
      await nextTurn();
      if (this.#holds > 0) return false;
      if (this.#generation === seen) {
        quiet++;
      } else {
        seen = this.#generation;
        quiet = 0;
      }
    }
    return this.#queue.size > 0;
  }
}
