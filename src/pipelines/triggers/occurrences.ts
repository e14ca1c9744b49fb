/**
 * What each trigger type has due now, and when to look again. A ScheduleTrigger fires its recurrence's
 * times after it was started (after a downtime only the latest missed time fires, once: Data Factory does
 * not backfill schedules); a TumblingWindowTrigger fires every window since startTime, in order, at most
 * maxConcurrency at once, retrying failed windows and waiting for the windows it depends on; a
 * BlobEventsTrigger lists its datastore and fires once per object created (or deleted) since it started.
 */
import { NotFoundError } from '../../core/errors.ts';
import type { DatastoreBackend, FileEntry } from '../../storage/contract.ts';
import { recurrenceFireTimes } from '../../core/recurrence/index.ts';
import { formatRunTime } from '../time/timestamp.ts';
import type { BlobEventsSpec, ScheduleSpec, TumblingWindowSpec } from './definition.ts';
import type { Occurrence, StoredTriggerRun } from './trigger-runs.ts';
import { dueAt, firstNotDue, inRange, windowAt, windowKey, windowsCovering } from './windows.ts';

/** How far a scan for missed schedule times goes before it settles for the latest one it found. */
const MAX_SCAN = 100_000;

export interface Due {
  occurrences: Occurrence[];
  /** When something may next be due (epoch ms); undefined: only a poll or a wake can change anything. */
  nextMs?: number;
}

/** `cursorMs`: the latest time already fired (or the start); fires only the latest due time after it. */
export function scheduleDue(spec: ScheduleSpec, cursorMs: number, nowMs: number): Due & { cursorMs: number } {
  const times = recurrenceFireTimes(spec.recurrence);
  let due: number | undefined;
  let next = times.nextAfter(cursorMs);
  for (let i = 0; next !== undefined && next <= nowMs && i < MAX_SCAN; i += 1) {
    due = next;
    next = times.nextAfter(next);
  }
  if (due === undefined)
    return { occurrences: [], cursorMs, ...(next === undefined ? {} : { nextMs: next }) };
  const at = formatRunTime(new Date(due));
  const occurrence: Occurrence = {
    key: new Date(due).toISOString(),
    timeMs: due,
    values: { scheduledTime: at, startTime: formatRunTime(new Date(nowMs)) },
    properties: { TriggerTime: at, ScheduledTime: at },
  };
  return { occurrences: [occurrence], cursorMs: due, ...(next === undefined ? {} : { nextMs: next }) };
}

export interface WindowState {
  /** The latest attempt of each window that has one, by window key. */
  latest: Map<string, StoredTriggerRun>;
  /** Whether the windows a dependency names have all succeeded. */
  dependenciesMet(window: { startMs: number; endMs: number }): boolean;
}

function windowOccurrence(
  spec: TumblingWindowSpec,
  index: number,
  attempt: number,
  nowMs: number,
): Occurrence {
  const window = windowAt(spec, index);
  const start = formatRunTime(new Date(window.startMs));
  const end = formatRunTime(new Date(window.endMs));
  return {
    key: windowKey(window),
    timeMs: window.startMs,
    attempt,
    values: {
      scheduledTime: formatRunTime(new Date(dueAt(spec, index))),
      startTime: formatRunTime(new Date(nowMs)),
      outputs: { windowStartTime: start, windowEndTime: end },
    },
    properties: { TriggerTime: formatRunTime(new Date(nowMs)), WindowStartTime: start, WindowEndTime: end },
  };
}

/**
 * The windows to fire now, from `low` (every window before it has finished for good). Returns the new
 * low-water mark too. Windows fire in order: the first one that must wait (for a dependency, for a free
 * slot, for its retry interval) stops the scan.
 */
export function windowsDue(
  spec: TumblingWindowSpec,
  state: WindowState,
  low: number,
  nowMs: number,
): Due & { low: number } {
  const dueCount = firstNotDue(spec, nowMs);
  const occurrences: Occurrence[] = [];
  let nextMs: number | undefined;
  let running = 0;
  let newLow = low;
  let lowSettled = true;
  for (let index = low; index < dueCount && inRange(spec, windowAt(spec, index)); index += 1) {
    const window = windowAt(spec, index);
    const last = state.latest.get(windowKey(window));
    const final =
      last !== undefined &&
      (last.status === 'Succeeded' || (last.status === 'Failed' && last.attempt > spec.retry.count));
    if (final && lowSettled) newLow = index + 1;
    else lowSettled = false;
    if (final) continue;
    if (last?.status === 'Inprogress') {
      running += 1;
      continue;
    }
    if (running + occurrences.length >= spec.maxConcurrency) break;
    if (last?.status === 'Failed') {
      const retryAt = (last.endedAtMs ?? nowMs) + spec.retry.intervalMs;
      if (retryAt > nowMs) {
        nextMs = Math.min(nextMs ?? retryAt, retryAt);
        break;
      }
      occurrences.push(windowOccurrence(spec, index, last.attempt + 1, nowMs));
      continue;
    }
    if (!state.dependenciesMet(window)) break;
    occurrences.push(windowOccurrence(spec, index, 1, nowMs));
  }
  const upcoming = dueAt(spec, dueCount);
  if (inRange(spec, windowAt(spec, dueCount))) nextMs = Math.min(nextMs ?? upcoming, upcoming);
  return { occurrences, low: newLow, ...(nextMs === undefined ? {} : { nextMs }) };
}

/** Whether every window of `spec` overlapping [fromMs, toMs) has a Succeeded latest attempt. */
export function spanSucceeded(
  spec: TumblingWindowSpec,
  latest: Map<string, StoredTriggerRun>,
  fromMs: number,
  toMs: number,
): boolean {
  return windowsCovering(spec, fromMs, toMs).every((index) => {
    const window = windowAt(spec, index);
    if (!inRange(spec, window)) return true;
    return latest.get(windowKey(window))?.status === 'Succeeded';
  });
}

export interface BlobListing {
  /** Objects seen at the previous listing (path → etag), for BlobDeleted. */
  known: Map<string, string>;
}

function matches(spec: BlobEventsSpec, entry: FileEntry): boolean {
  return entry.path.startsWith(spec.prefix) && entry.path.endsWith(spec.suffix);
}

function blobOccurrence(
  spec: BlobEventsSpec,
  event: string,
  path: string,
  tag: string,
  nowMs: number,
): Occurrence {
  const slash = path.lastIndexOf('/');
  const fileName = path.slice(slash + 1);
  const folder = slash < 0 ? '' : path.slice(0, slash);
  const folderPath = folder === '' ? spec.container : `${spec.container}/${folder}`;
  const at = formatRunTime(new Date(nowMs));
  return {
    key: `${event}:${path}:${tag}`,
    timeMs: nowMs,
    values: {
      startTime: at,
      outputs: { body: { folderPath, fileName, event: `Microsoft.Storage.${event}` } },
    },
    properties: {
      TriggerTime: at,
      EventType: `Microsoft.Storage.${event}`,
      FolderPath: folderPath,
      FileName: fileName,
    },
  };
}

/**
 * Lists the datastore and returns an occurrence per object created since `sinceMs` (by its lastModified,
 * to the second, as Azure keeps it) and, for BlobDeleted, per object of the previous listing now gone.
 */
export async function blobsDue(
  spec: BlobEventsSpec,
  backend: DatastoreBackend,
  listing: BlobListing,
  sinceMs: number,
  nowMs: number,
): Promise<Due & { known: Map<string, string> }> {
  const slash = spec.prefix.lastIndexOf('/');
  const folder = slash < 0 ? '' : spec.prefix.slice(0, slash);
  // A folder nobody wrote to yet holds nothing; any other failure is the pass's (and is logged): treating
  // it as an empty listing would report every known blob deleted.
  const listed = await backend.list(folder, { recursive: true }).catch((error: unknown) => {
    if (error instanceof NotFoundError) return [];
    throw error;
  });
  const entries = listed.filter((e) => matches(spec, e));
  const since = Math.floor(sinceMs / 1000) * 1000;
  const occurrences: Occurrence[] = [];
  const known = new Map<string, string>();
  for (const entry of entries) {
    const tag = entry.etag ?? entry.lastModified ?? String(entry.size);
    known.set(entry.path, tag);
    if (!spec.events.includes('Microsoft.Storage.BlobCreated')) continue;
    if (spec.ignoreEmptyBlobs && entry.size === 0) continue;
    const modified = entry.lastModified === undefined ? nowMs : Date.parse(entry.lastModified);
    if (modified < since) continue;
    occurrences.push(blobOccurrence(spec, 'BlobCreated', entry.path, tag, nowMs));
  }
  if (spec.events.includes('Microsoft.Storage.BlobDeleted')) {
    for (const [path, tag] of listing.known) {
      if (!known.has(path)) occurrences.push(blobOccurrence(spec, 'BlobDeleted', path, tag, nowMs));
    }
  }
  return { occurrences, known };
}
