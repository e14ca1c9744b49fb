/**
 * Rates and the time left, from what the page has seen of a job: samples of items and rows as the live
 * stream delivered them. The rate is over the last `WINDOW_MS` when the page watched that long (so a job
 * that sped up or slowed down shows its pace now), else the average since the job started. The time left
 * is the items still to do at the items' rate; undefined until anything has been done.
 */

export interface Sample {
  /** Milliseconds since the epoch, when the page received it. */
  at: number;
  items: number;
  rows: number;
}

export interface Rates {
  itemsPerSecond: number | undefined;
  rowsPerSecond: number | undefined;
  secondsLeft: number | undefined;
}

const WINDOW_MS = 30_000;
const MIN_SPAN_MS = 1500;

interface State {
  items: number;
  itemsTotal: number;
  rows: number;
  startedAt: string | null;
  endedAt: string | null;
}

function perSecond(amount: number, ms: number): number | undefined {
  return ms > 0 ? (amount * 1000) / ms : undefined;
}

export function ratesOf(state: State, samples: readonly Sample[], now: number): Rates {
  const started = state.startedAt === null ? Number.NaN : Date.parse(state.startedAt);
  const ended = state.endedAt === null ? Number.NaN : Date.parse(state.endedAt);
  const recent = samples.filter((s) => s.at >= now - WINDOW_MS);
  const first = recent[0];
  const last = recent.at(-1);
  let items: number | undefined;
  let rows: number | undefined;
  if (Number.isNaN(ended) && first && last && last.at - first.at >= MIN_SPAN_MS && last.items > first.items) {
    items = perSecond(last.items - first.items, last.at - first.at);
    rows = perSecond(last.rows - first.rows, last.at - first.at);
  } else if (!Number.isNaN(started)) {
    const span = (Number.isNaN(ended) ? now : ended) - started;
    items = perSecond(state.items, span);
    rows = perSecond(state.rows, span);
  }
  const left = state.itemsTotal - state.items;
  const secondsLeft =
    !Number.isNaN(ended) || left <= 0 ? 0 : items !== undefined && items > 0 ? left / items : undefined;
  return { itemsPerSecond: items, rowsPerSecond: rows, secondsLeft };
}

/** `1 h 4 min`, `3 min 20 s`, `12 s`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
