/**
 * Data Factory writes durations as .NET timespans, `d.hh:mm:ss[.fffffff]` (spec §1.6): activity and Until
 * timeouts, and WebActivity's `httpRequestTimeout` (the same form without days, which its messages use).
 */

const TIMESPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/;

/** Milliseconds in a timespan text, or undefined when the text is not a timespan. */
export function parseTimespan(text: string): number | undefined {
  const match = TIMESPAN.exec(text.trim());
  if (!match) return undefined;
  const [, days = '0', hours = '0', minutes = '0', seconds = '0', fraction = ''] = match;
  const h = Number(hours);
  const m = Number(minutes);
  const s = Number(seconds);
  if (h > 23 || m > 59 || s > 59) return undefined;
  const fractionMs = fraction === '' ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  return ((Number(days) * 24 + h) * 60 + m) * 60_000 + s * 1000 + fractionMs;
}

/** The timespan text for a duration, as shown in timeout messages (`0.12:00:00`). */
export function formatTimespan(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const millis = ms % 1000;
  const fraction = millis === 0 ? '' : `.${String(millis).padStart(3, '0')}`;
  return `${days}.${pad(hours)}:${pad(minutes)}:${pad(seconds)}${fraction}`;
}

/** `hh:mm:ss` with a day part only when needed, as Data Factory shows `httpRequestTimeout` in messages. */
export function formatShortTimespan(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${pad(Math.floor(totalSeconds / 3600) % 24)}:${pad(Math.floor(totalSeconds / 60) % 60)}:${pad(totalSeconds % 60)}`;
  return days > 0 ? `${days}.${clock}` : clock;
}
