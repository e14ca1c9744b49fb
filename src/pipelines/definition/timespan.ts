/**
 * Data Factory timespans (`d.hh:mm:ss[.fffffff]`, spec §1.6): activity and Until timeouts, and WebActivity
 * `httpRequestTimeout` (written without days). Shared by the validator, which rejects bad ones at load
 * time, and the runner, which needs them in milliseconds.
 */

const TIMESPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

/** Milliseconds in the timespan, or undefined when the text is not one (hours ≤ 23, minutes/seconds ≤ 59). */
export function parseTimespan(text: string): number | undefined {
  const match = TIMESPAN.exec(text.trim());
  if (match === null) return undefined;
  const part = (index: number): number => Number(match[index] ?? 0);
  const [days, hours, minutes, seconds] = [part(1), part(2), part(3), part(4)];
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  const fraction = Number(`0.${match[5] ?? '0'}`);
  return ((days * 24 + hours) * 60 + minutes) * 60_000 + seconds * 1000 + Math.round(fraction * 1000);
}

export const DAY_MS = 24 * 60 * 60 * 1000;
