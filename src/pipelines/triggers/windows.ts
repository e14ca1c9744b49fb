/**
 * Tumbling windows: fixed-size, contiguous, non-overlapping spans from the trigger's startTime (UTC), each
 * `interval` minutes, hours or months long. A window is due once its end plus the trigger's delay has
 * passed, so windows missed while no server ran are all due at the next start (the backfill).
 */
import type { TumblingWindowSpec } from './definition.ts';

export interface Window {
  startMs: number;
  endMs: number;
}

const UNIT_MS = { Minute: 60_000, Hour: 3_600_000 } as const;

/** The start of window `index` (0 is the one starting at startTime). */
function windowStart(spec: TumblingWindowSpec, index: number): number {
  if (spec.frequency === 'Month') {
    // The start's day of the month, or the month's last day when it has fewer (31 January, 29 February...).
    const start = new Date(spec.startMs);
    const month = start.getUTCMonth() + index * spec.interval;
    const lastDay = new Date(Date.UTC(start.getUTCFullYear(), month + 1, 0)).getUTCDate();
    const moved = new Date(start);
    moved.setUTCDate(1);
    moved.setUTCMonth(month);
    moved.setUTCDate(Math.min(start.getUTCDate(), lastDay));
    return moved.getTime();
  }
  return spec.startMs + index * spec.interval * UNIT_MS[spec.frequency];
}

export function windowAt(spec: TumblingWindowSpec, index: number): Window {
  return { startMs: windowStart(spec, index), endMs: windowStart(spec, index + 1) };
}

/** Whether the window lies inside the trigger's range (it starts before endTime, when there is one). */
export function inRange(spec: TumblingWindowSpec, window: Window): boolean {
  return spec.endMs === undefined || window.startMs < spec.endMs;
}

/** When window `index` becomes due: its end plus the delay. */
export function dueAt(spec: TumblingWindowSpec, index: number): number {
  return windowAt(spec, index).endMs + spec.delayMs;
}

/** The index of the first window that is not due at `nowMs` (all before it are due). */
export function firstNotDue(spec: TumblingWindowSpec, nowMs: number): number {
  // Minute and Hour windows are a division; months differ in length, so they are walked.
  if (spec.frequency !== 'Month') {
    const size = spec.interval * UNIT_MS[spec.frequency];
    const due = Math.floor((nowMs - spec.delayMs - spec.startMs) / size);
    return Math.max(0, due);
  }
  let index = 0;
  while (dueAt(spec, index) <= nowMs) index += 1;
  return index;
}

/** Indexes of the windows whose span overlaps [fromMs, toMs) (for dependencies). */
export function windowsCovering(spec: TumblingWindowSpec, fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  const first =
    spec.frequency === 'Month'
      ? 0
      : Math.max(0, Math.floor((fromMs - spec.startMs) / (spec.interval * UNIT_MS[spec.frequency])));
  for (let index = first; windowStart(spec, index) < toMs; index += 1) {
    const window = windowAt(spec, index);
    if (window.endMs > fromMs) out.push(index);
    if (out.length > 10_000) break;
  }
  return out;
}

/** The occurrence key of a window: its start, as the trigger run's identity. */
export function windowKey(window: Window): string {
  return new Date(window.startMs).toISOString();
}
