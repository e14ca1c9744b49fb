/**
 * The wall clock used by real pipeline runs. Sleeps longer than Node's timer limit (about 24.8 days) are
 * chained, because an Until may legitimately wait up to 90 days.
 */
import type { Clock } from './clock.ts';

const MAX_TIMER_MS = 2 ** 31 - 1;

export class RealClock implements Clock {
  now(): Date {
    return new Date();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      let remaining = Number.isFinite(ms) ? Math.max(0, ms) : 0;
      let handle: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        clearTimeout(handle);
        reject(signal?.reason as Error);
      };
      const step = (): void => {
        if (remaining <= 0) {
          signal?.removeEventListener('abort', onAbort);
          resolve();
          return;
        }
        const chunk = Math.min(remaining, MAX_TIMER_MS);
        remaining -= chunk;
        handle = setTimeout(step, chunk);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      step();
    });
  }
}
