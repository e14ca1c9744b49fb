/**
 * The trigger loop: on its clock, it reads the started triggers from the store, fires what each has due
 * (occurrences.ts) through the exactly-once firing (trigger-runs.ts), recovers firings a dead server left
 * unstarted, and sleeps until the earliest next time or the poll interval, whichever is first. Every
 * server runs one; what a server keeps in memory (cursors, listings) only saves work, the store decides.
 * A start, stop or change through this server wakes the loop at once; other servers' changes are seen at
 * the next poll.
 */
import type { DatastoreBackend } from '../../storage/contract.ts';
import {
  parseTrigger,
  TRIGGER_KIND,
  type StoredTrigger,
  type TriggerDefinition,
  type TumblingWindowSpec,
} from './definition.ts';
import { blobsDue, scheduleDue, spanSucceeded, windowsDue, type Due } from './occurrences.ts';
import {
  fire,
  recoverUnstarted,
  RUN_KIND,
  settle,
  type FiringDeps,
  type FiringTrigger,
  type StoredTriggerRun,
} from './trigger-runs.ts';

export interface TriggerEngineDeps extends FiringDeps {
  datastore(name: string): Promise<DatastoreBackend>;
  /** How often the store and datastores are looked at when nothing is due sooner. */
  pollMs: number;
  /** How long a firing may stay recorded-but-unstarted before another server takes it over. */
  recoverAfterMs: number;
  onError?: (error: unknown, trigger: string) => void;
}

/** After a failed pass over a trigger, when to try it again at the latest. */
const RETRY_AFTER_ERROR_MS = 10_000;

type Pass = Due & { fired?: () => void };

interface Memory {
  scheduleCursor?: number;
  windowLow: number;
  blobKnown: Map<string, string>;
  fired: Set<string>;
}

export type TriggerEngine = ReturnType<typeof createTriggerEngine>;

export function createTriggerEngine(deps: TriggerEngineDeps) {
  const memory = new Map<string, Memory>();
  let wakeUp = new AbortController();
  const state = { stopped: true };
  let loop: Promise<void> = Promise.resolve();
  const firing: FiringDeps = {
    ...deps,
    onRunFinished: () => {
      wake();
    },
  };

  function wake(): void {
    wakeUp.abort();
  }

  function memoryOf(trigger: StoredTrigger): Memory {
    const id = trigger.generation;
    let found = memory.get(id);
    if (!found) {
      found = { windowLow: 0, blobKnown: new Map(), fired: new Set() };
      memory.set(id, found);
    }
    return found;
  }

  async function runsOf(name: string, generation: string): Promise<StoredTriggerRun[]> {
    const runs = await deps.repo.list<StoredTriggerRun>(RUN_KIND, { scope: name });
    const mine = runs.filter((r) => r.generation === generation);
    return Promise.all(mine.map((r) => settle(deps, r)));
  }

  async function schedule(trigger: StoredTrigger, def: TriggerDefinition, now: number): Promise<Pass> {
    if (def.spec.type !== 'ScheduleTrigger') return { occurrences: [] };
    const mem = memoryOf(trigger);
    if (mem.scheduleCursor === undefined) {
      const runs = await runsOf(trigger.name, trigger.generation);
      const latest = Math.max(trigger.startedAtMs ?? now, ...runs.map((r) => r.occurrenceMs));
      mem.scheduleCursor = latest;
    }
    // A trigger stopped and started again fires nothing of the time it was stopped.
    const due = scheduleDue(def.spec, Math.max(mem.scheduleCursor, trigger.startedAtMs ?? 0), now);
    // The cursor moves once the firing is recorded, so a failed pass tries the same time again.
    return { ...due, fired: () => (mem.scheduleCursor = due.cursorMs) };
  }

  function latestByWindow(runs: StoredTriggerRun[]): Map<string, StoredTriggerRun> {
    const latest = new Map<string, StoredTriggerRun>();
    for (const run of runs) {
      const seen = latest.get(run.occurrence);
      if (!seen || seen.attempt < run.attempt) latest.set(run.occurrence, run);
    }
    return latest;
  }

  async function dependencyState(
    spec: TumblingWindowSpec,
    self: StoredTrigger,
    own: Map<string, StoredTriggerRun>,
  ) {
    const others = new Map<string, { spec: TumblingWindowSpec; latest: Map<string, StoredTriggerRun> }>();
    for (const dep of spec.dependsOn) {
      const key = dep.triggerName.toLowerCase();
      if (others.has(key) || key === self.name.toLowerCase()) continue;
      const stored = await deps.repo.get<StoredTrigger>(TRIGGER_KIND, { name: dep.triggerName });
      if (!stored) continue;
      const parsed = parseTrigger(stored.name, { properties: stored.properties }).spec;
      if (parsed.type !== 'TumblingWindowTrigger') continue;
      others.set(key, { spec: parsed, latest: latestByWindow(await runsOf(stored.name, stored.generation)) });
    }
    return (window: { startMs: number; endMs: number }) =>
      spec.dependsOn.every((dep) => {
        const isSelf = dep.triggerName.toLowerCase() === self.name.toLowerCase();
        const target = isSelf ? { spec, latest: own } : others.get(dep.triggerName.toLowerCase());
        // A dependency on a trigger that does not exist (or is no tumbling window) never holds.
        if (!target) return false;
        const from = window.startMs + dep.offsetMs;
        const to = from + (dep.sizeMs ?? window.endMs - window.startMs);
        // A self-dependency before the trigger's first window holds (there is nothing to wait for).
        if (isSelf && to <= spec.startMs) return true;
        return spanSucceeded(target.spec, target.latest, from, to);
      });
  }

  async function windows(trigger: StoredTrigger, def: TriggerDefinition, now: number): Promise<Pass> {
    if (def.spec.type !== 'TumblingWindowTrigger') return { occurrences: [] };
    const mem = memoryOf(trigger);
    const latest = latestByWindow(await runsOf(trigger.name, trigger.generation));
    const dependenciesMet = await dependencyState(def.spec, trigger, latest);
    const due = windowsDue(def.spec, { latest, dependenciesMet }, mem.windowLow, now);
    mem.windowLow = due.low;
    // Windows still running end on some server: look again at the next poll.
    return due;
  }

  async function blobs(trigger: StoredTrigger, def: TriggerDefinition, now: number): Promise<Pass> {
    if (def.spec.type !== 'BlobEventsTrigger') return { occurrences: [] };
    const mem = memoryOf(trigger);
    const backend = await deps.datastore(def.spec.datastore);
    const due = await blobsDue(def.spec, backend, { known: mem.blobKnown }, trigger.startedAtMs ?? now, now);
    mem.blobKnown = due.known;
    return { occurrences: due.occurrences.filter((o) => !mem.fired.has(o.key)) };
  }

  /** Fires what one trigger has due; returns when it may next have something. */
  async function visit(trigger: StoredTrigger, now: number): Promise<number | undefined> {
    const def = parseTrigger(trigger.name, { properties: trigger.properties });
    const handler = { ScheduleTrigger: schedule, TumblingWindowTrigger: windows, BlobEventsTrigger: blobs }[
      def.spec.type
    ];
    const due = await handler(trigger, def, now);
    const target: FiringTrigger = {
      name: trigger.name,
      type: def.spec.type,
      generation: trigger.generation,
      pipelines: def.pipelines,
    };
    for (const occurrence of due.occurrences) {
      await fire(firing, target, occurrence);
      memoryOf(trigger).fired.add(occurrence.key);
    }
    due.fired?.();
    if (def.spec.type === 'TumblingWindowTrigger' && due.occurrences.length > 0) return now;
    return due.nextMs;
  }

  async function recover(trigger: StoredTrigger): Promise<void> {
    const runs = await deps.repo.list<StoredTriggerRun>(RUN_KIND, { scope: trigger.name });
    const open = runs.filter((r) => !r.started && r.generation === trigger.generation);
    if (open.length > 0) await recoverUnstarted(firing, trigger.name, open, deps.recoverAfterMs);
  }

  /** One pass over every started trigger; returns when the next pass should run (epoch ms). */
  async function tick(): Promise<number> {
    const now = deps.clock.now().getTime();
    let next = now + deps.pollMs;
    const triggers = await deps.repo.list<StoredTrigger>(TRIGGER_KIND);
    for (const trigger of triggers) {
      if (trigger.runtimeState !== 'Started') continue;
      try {
        await recover(trigger);
        const at = await visit(trigger, now);
        if (at !== undefined) next = Math.min(next, Math.max(at, now));
      } catch (error) {
        deps.onError?.(error, trigger.name);
        next = Math.min(next, now + RETRY_AFTER_ERROR_MS);
      }
    }
    return next;
  }

  const isStopped = (): boolean => state.stopped;
  const woken = (signal: AbortSignal): boolean => signal.aborted;

  async function run(): Promise<void> {
    while (!state.stopped) {
      const signal = wakeUp.signal;
      let next: number;
      try {
        next = await tick();
      } catch (error) {
        deps.onError?.(error, '');
        next = deps.clock.now().getTime() + deps.pollMs;
      }
      // Read through functions: a wake or a stop lands while this loop awaits.
      if (isStopped()) return;
      const wait = next - deps.clock.now().getTime();
      if (wait > 0 && !woken(signal)) await deps.clock.sleep(wait, signal).catch(() => undefined);
      if (woken(signal)) wakeUp = new AbortController();
    }
  }

  return {
    start(): void {
      if (!state.stopped) return;
      state.stopped = false;
      loop = run();
    },
    async stop(): Promise<void> {
      state.stopped = true;
      wake();
      await loop;
    },
    wake,
    tick,
    /** Forget what this server remembers of a trigger (it was changed or deleted). */
    forget(generation: string): void {
      memory.delete(generation);
    },
  };
}
