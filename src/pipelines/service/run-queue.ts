/**
 * A pipeline's `concurrency` (spec §1.2): at most that many runs of it at once; further runs are not
 * refused but wait `Queued`, first come first served, and start when a run of the same pipeline ends.
 * Kept in memory: the server owns its data dir, and queued runs, like running ones, are marked Failed if
 * the server stops before they start.
 */
import { randomUUID } from 'node:crypto';
import type { PipelineDefinition } from '../definition/model.ts';
import { parameterType } from '../runner/parameters.ts';
import { parameterText, type PipelineRunRecord } from '../runner/records.ts';
import type { TriggerInfo } from '../runner/run-setup.ts';
import { formatRunTime } from '../time/timestamp.ts';

export interface QueuedRun {
  runId: string;
  definition: PipelineDefinition;
  parameters: Record<string, unknown>;
  parametersAreText: boolean;
  invokedBy: string;
  /** The trigger that started the run; a manual run when absent. */
  trigger?: TriggerInfo;
}

/** How many runs of the pipeline may run at once; Infinity when it sets no (valid) concurrency. */
function concurrencyOf(definition: PipelineDefinition): number {
  const value = Number(definition.properties.concurrency);
  return Number.isInteger(value) && value >= 1 ? value : Infinity;
}

/** The record a queued run shows until it starts: Data Factory's run shape with status Queued. */
export function queuedRecord(run: QueuedRun, now: Date): PipelineRunRecord & Record<string, unknown> {
  const declared = run.definition.properties.parameters ?? {};
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(run.parameters)) {
    const type = Object.entries(declared).find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1].type;
    parameters[name] = parameterType(type) === 'SecureString' ? '***' : parameterText(value);
  }
  const at = formatRunTime(now);
  return {
    runId: run.runId,
    runGroupId: run.runId,
    isLatest: true,
    pipelineName: run.definition.name,
    parameters,
    invokedBy: run.trigger
      ? {
          name: run.trigger.name ?? run.trigger.type,
          id: run.trigger.id ?? '',
          invokedByType: run.trigger.type,
        }
      : { name: run.invokedBy, id: 'Manual', invokedByType: 'Manual' },
    runStart: at,
    runEnd: null,
    durationInMs: null,
    lastUpdated: at,
    status: 'Queued',
    message: '',
  };
}

export class RunQueue {
  readonly #waiting = new Map<string, QueuedRun[]>();
  readonly #running = new Map<string, number>();

  /** Whether a run of this pipeline may start now; if so it is counted as running. */
  admit(definition: PipelineDefinition): boolean {
    const key = definition.name.toLowerCase();
    const running = this.#running.get(key) ?? 0;
    if (running >= concurrencyOf(definition) || (this.#waiting.get(key)?.length ?? 0) > 0) return false;
    this.#running.set(key, running + 1);
    return true;
  }

  enqueue(run: Omit<QueuedRun, 'runId'> & { runId?: string }): QueuedRun {
    const queued = { ...run, runId: run.runId ?? randomUUID() };
    const key = run.definition.name.toLowerCase();
    this.#waiting.set(key, [...(this.#waiting.get(key) ?? []), queued]);
    return queued;
  }

  /** A run of `pipelineName` ended: the next queued run of it, now counted as running, if any. */
  release(pipelineName: string): QueuedRun | undefined {
    const key = pipelineName.toLowerCase();
    const next = this.#waiting.get(key)?.shift();
    if (next) return next;
    this.#running.set(key, Math.max(0, (this.#running.get(key) ?? 1) - 1));
    return undefined;
  }

  /** Takes a queued run out (cancel); undefined if it is not waiting. */
  remove(runId: string): QueuedRun | undefined {
    for (const list of this.#waiting.values()) {
      const at = list.findIndex((r) => r.runId.toLowerCase() === runId.toLowerCase());
      if (at >= 0) return list.splice(at, 1)[0];
    }
    return undefined;
  }

  /** Every waiting run, emptied (server stopping). */
  drain(): QueuedRun[] {
    const all = [...this.#waiting.values()].flat();
    this.#waiting.clear();
    return all;
  }
}
