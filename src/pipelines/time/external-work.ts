/**
 * Real I/O (an HTTP call to a fake or real server) takes wall time that a virtual clock cannot see: left
 * alone, the virtual clock would find the run idle and jump to the next deadline, which is often the very
 * timeout racing that call. Wrapping the I/O here holds such a clock still until it settles; on a clock
 * without holds (the real one) it is a plain await.
 */
import type { Clock } from './clock.ts';

/** A clock that can be held still while work it cannot observe is in flight. */
export interface HoldableClock extends Clock {
  /** Stops automatic advancing until the returned release function is called (once). */
  hold(): () => void;
}

function isHoldableClock(clock: Clock): clock is HoldableClock {
  return typeof (clock as Partial<HoldableClock>).hold === 'function';
}

/** Awaits `work`, keeping a virtual clock from advancing until it settles. */
export async function awaitExternalWork<T>(clock: Clock, work: Promise<T>): Promise<T> {
  if (!isHoldableClock(clock)) return work;
  const release = clock.hold();
  try {
    return await work;
  } finally {
    release();
  }
}
