/**
 * The one way tests poll: `waitFor(what, probe, options)` calls `probe` until `until` holds for what it
 * returned, and fails the test after `timeoutMs` with a message naming what it was waiting for and the
 * last state it saw. A deadline is a guard against a hang, never a measure of speed: pick it generous.
 */
import { AssertionError } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';

export interface WaitOptions<T> {
  /** Done when this holds for the probe's value; by default when the value is truthy. */
  until?: (value: T) => boolean;
  /** How long before the test fails; 20 s unless told. */
  timeoutMs?: number;
  /** Pause between probes; 25 ms unless told. */
  intervalMs?: number;
  /** How the last value shows in the failure; `util.inspect` unless told. */
  show?: (value: T) => string;
}

/** Polls `probe` until its value is done and returns that value; fails after the deadline. */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  options: WaitOptions<T> = {},
): Promise<T> {
  const { until = Boolean, timeoutMs = 20_000, intervalMs = 25 } = options;
  const show = options.show ?? ((value: T) => inspect(value, { depth: 4, breakLength: Infinity }));
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    seen += 1;
    if (until(last)) return last;
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  throw new AssertionError({
    message: `timed out after ${timeoutMs} ms waiting for ${what}; last seen (probe ${seen}): ${show(last)}`,
  });
}
