/**
 * How WebActivity messages write a duration: `hh:mm:ss` as Data Factory shows `httpRequestTimeout`, with a
 * day part only when needed. Parsing is shared with the rest of the runner (src/pipelines/time/timespan.ts).
 */

/** `hh:mm:ss` (with a day part when needed), for messages. */
export function formatTimeSpan(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${pad(Math.floor(totalSeconds / 3600) % 24)}:${pad(Math.floor(totalSeconds / 60) % 60)}:${pad(totalSeconds % 60)}`;
  return days > 0 ? `${days}.${clock}` : clock;
}
