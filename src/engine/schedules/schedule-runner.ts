/**
 * The loop that fires enabled schedules, on an injected Clock so a year of nightly firings is tested in
 * milliseconds. Each pass looks at every enabled schedule, fires the latest occurrence due since its
 * cursor (the later of when it became active and its last claimed occurrence), and sleeps until the
 * earliest next occurrence or the poll interval, whichever is first (the poll is how schedules created on
 * other servers are noticed). A server that was down over several occurrences fires only the latest one,
 * once; the rest are skipped (decisions.md). Claims left unfinished by a dead server are finished on the
 * next start, or by a live server once the claim is older than the grace period.
 */
import type { Clock } from '../../pipelines/time/clock.ts';
import type { FireTimes } from '../../core/recurrence/index.ts';
import type { ScheduleRecord } from './schedule-body.ts';
import {
  completeFiring,
  fireOccurrence,
  firingKey,
  type FiringDeps,
  type FiringRecord,
} from './schedule-firing.ts';
import { FIRING_KIND } from './schedule-service.ts';
import { fireTimesOf } from './schedule-trigger.ts';

export interface ScheduleRunnerDeps extends Omit<FiringDeps, 'now'> {
  schedules(): Promise<ScheduleRecord[]>;
  clock: Clock;
  /** Longest sleep between passes: how soon a schedule made on another server is seen. */
  pollMs: number;
  /** How old another server's unfinished claim must be before this one finishes it. */
  claimGraceMs: number;
  onLoopError(error: unknown): void;
}

export type ScheduleRunner = ReturnType<typeof createScheduleRunner>;

const HOUR = 3_600_000;

/** The last firing time in (cursor, now], found without walking every minute of a long downtime. */
export function latestDue(times: FireTimes, cursor: number, now: number): number | undefined {
  let window = HOUR;
  for (;;) {
    const from = Math.max(cursor, now - window);
    const first = times.nextAfter(from);
    if (first !== undefined && first <= now) {
      let last = first;
      for (let t = times.nextAfter(last); t !== undefined && t <= now; t = times.nextAfter(last)) last = t;
      return last;
    }
    if (from === cursor) return undefined;
    window *= 4;
  }
}

export function createScheduleRunner(deps: ScheduleRunnerDeps) {
  const cursors = new Map<string, number>();
  /** Occurrences another server claimed: checked until started, finished here if the claim goes stale. */
  const watched = new Map<string, { schedule: string; scheduledMs: number }>();
  const firing: FiringDeps = { ...deps, now: () => deps.clock.now() };
  // Read through functions: the loop checks them after awaits, where another call may have changed them.
  const state = { stopped: true, woken: false };
  const stopped = (): boolean => state.stopped;
  const woken = (): boolean => state.woken;
  let sleeping: AbortController | undefined;
  let loop: Promise<void> | undefined;

  async function firingsOf(name: string): Promise<FiringRecord[]> {
    return deps.repo.list<FiringRecord>(FIRING_KIND, { scope: name.toLowerCase() });
  }

  /** First sight of a schedule (start-up): its cursor from the store, finishing a claim a crash left. */
  async function loadCursor(schedule: ScheduleRecord): Promise<number> {
    let latest: FiringRecord | undefined;
    for (const f of await firingsOf(schedule.name)) {
      if (!latest || Date.parse(f.scheduledTime) > Date.parse(latest.scheduledTime)) latest = f;
    }
    if (latest?.state === 'Claimed') await completeFiring(firing, schedule, latest);
    return latest ? Date.parse(latest.scheduledTime) : Number.NEGATIVE_INFINITY;
  }

  async function checkWatched(schedules: Map<string, ScheduleRecord>, now: number): Promise<void> {
    for (const [id, w] of watched) {
      const schedule = schedules.get(w.schedule.toLowerCase());
      const key = firingKey(w.schedule, w.scheduledMs);
      const claim = schedule ? await deps.repo.get<FiringRecord>(FIRING_KIND, key) : undefined;
      if (!schedule || !claim || claim.state !== 'Claimed') watched.delete(id);
      else if (now - Date.parse(claim.claimedAt) >= deps.claimGraceMs) {
        watched.delete(id);
        await completeFiring(firing, schedule, claim);
      }
    }
  }

  /**
   * Only the latest claim is needed (the cursor, and the last firing a view shows): the one before it goes
   * once finished, so a schedule due every minute keeps one document, not half a million a year. A late
   * server that tried that occurrence again would still be stopped by its job's name. An unfinished claim
   * stays for whoever finishes it.
   */
  async function prune(schedule: string, scheduledMs: number): Promise<void> {
    const key = firingKey(schedule, scheduledMs);
    const previous = await deps.repo.get<FiringRecord>(FIRING_KIND, key);
    if (previous && previous.state !== 'Claimed') await deps.repo.remove(FIRING_KIND, key);
  }

  /** Fires what is due for one schedule; answers its next firing time. */
  async function visit(schedule: ScheduleRecord, now: number): Promise<number | undefined> {
    const id = schedule.name.toLowerCase();
    const times = fireTimesOf(schedule.trigger, schedule.systemData.createdAt);
    const stored = cursors.get(id) ?? (await loadCursor(schedule));
    const cursor = Math.max(stored, Date.parse(schedule.activeSince));
    const due = latestDue(times, cursor, now);
    if (due !== undefined) {
      const fired = await fireOccurrence(firing, schedule, due);
      if (!fired) watched.set(`${id}/${due}`, { schedule: schedule.name, scheduledMs: due });
      else if (Number.isFinite(cursor)) await prune(schedule.name, cursor);
    }
    cursors.set(id, Math.max(cursor, due ?? cursor));
    return times.nextAfter(Math.max(now, due ?? now));
  }

  /** One pass over every schedule; answers how long to sleep. */
  async function pass(): Promise<number> {
    const now = deps.clock.now().getTime();
    const all = await deps.schedules();
    const byName = new Map(all.map((s) => [s.name.toLowerCase(), s]));
    await checkWatched(byName, now);
    let next = now + deps.pollMs;
    for (const schedule of all) {
      if (!schedule.isEnabled) continue;
      try {
        const at = await visit(schedule, now);
        if (at !== undefined) next = Math.min(next, at);
      } catch (error) {
        deps.onError(schedule.name, new Date(now).toISOString(), error);
      }
    }
    if (watched.size > 0) next = Math.min(next, now + deps.claimGraceMs);
    return Math.max(1, next - deps.clock.now().getTime());
  }

  async function run(): Promise<void> {
    while (!stopped()) {
      let wait = deps.pollMs;
      state.woken = false;
      try {
        wait = await pass();
      } catch (error) {
        deps.onLoopError(error);
      }
      if (stopped()) break;
      if (woken()) continue;
      sleeping = new AbortController();
      await deps.clock.sleep(wait, sleeping.signal).catch(() => undefined);
      sleeping = undefined;
    }
  }

  return {
    start(): void {
      if (!stopped()) return;
      state.stopped = false;
      loop = run();
    },
    async stop(): Promise<void> {
      state.stopped = true;
      sleeping?.abort(new Error('stopped'));
      await loop;
    },
    /** A schedule changed here: look again now rather than at the next poll. */
    wake(): void {
      state.woken = true;
      sleeping?.abort(new Error('woken'));
    },
    /** One pass, for tests that drive the clock by hand. */
    pass,
  };
}
