/**
 * The state one pipeline run shares across its scopes: system values, variables, the return value, the
 * masker for records, and the services it runs on. Scopes form a chain of frames; each frame holds the
 * latest result per activity name, and `activity('X')` looks X up from the current frame outwards (§2.5).
 */
import type { ExpressionEngine, PipelineSystemValues } from '../expressions/contract.ts';
import type { Clock } from '../time/clock.ts';
import type { ActivityHandler, ChildPipelineLauncher } from './activity-handler.ts';
import type { RunEventSink } from './events.ts';
import type { IdGenerator } from './ids.ts';
import type { SecretMasker } from './masking.ts';
import type { ActivityErrorRecord, TerminalActivityStatus } from './records.ts';
import type { VariableStore } from './variables.ts';

export interface ActivityHandlerLookup {
  /** The handler for an activity type; a handler that fails with NotSupportedLocally for unknown types. */
  handlerFor(type: string): ActivityHandler;
}

/** What every run needs from outside; the pipeline runner's dependencies minus run creation. */
export interface RunServices {
  expressions: ExpressionEngine;
  clock: Clock;
  ids: IdGenerator;
  handlers: ActivityHandlerLookup;
  events: RunEventSink;
}

export interface ActivityResult {
  name: string;
  status: TerminalActivityStatus;
  output: unknown;
  error: ActivityErrorRecord | null;
}

/** Latest finished result per activity name (names compared ignoring case). */
export class ResultStore {
  readonly #results = new Map<string, ActivityResult>();

  set(result: ActivityResult): void {
    this.#results.set(result.name.toLowerCase(), result);
  }

  get(name: string): ActivityResult | undefined {
    return this.#results.get(name.toLowerCase());
  }

  /** Copies `other`'s results over these, so the later ones win. */
  mergeFrom(other: ResultStore): void {
    for (const [key, result] of other.#results) this.#results.set(key, result);
  }
}

export interface ScopeFrame {
  readonly results: ResultStore;
  readonly parent: ScopeFrame | undefined;
  readonly item: { value: unknown } | undefined;
  readonly iteration: number | null;
  /** The container activity run this scope belongs to; null for the pipeline's own scope. */
  readonly parentActivityRunId: string | null;
  readonly signal: AbortSignal;
}

export function findResult(frame: ScopeFrame, name: string): ActivityResult | undefined {
  for (let f: ScopeFrame | undefined = frame; f !== undefined; f = f.parent) {
    const result = f.results.get(name);
    if (result !== undefined) return result;
  }
  return undefined;
}

export interface RunContext {
  readonly services: RunServices;
  readonly pipelineName: string;
  readonly runId: string;
  readonly system: PipelineSystemValues;
  readonly trigger: Record<string, unknown> | undefined;
  readonly variables: VariableStore;
  readonly masker: SecretMasker;
  /** Aborts when the run is cancelled. */
  readonly signal: AbortSignal;
  returnValue: Record<string, unknown> | undefined;
  /** Child pipeline runs started by the ExecutePipeline activity identified by `parent`. */
  childLauncher(parent: {
    activityName: string;
    activityRunId: string;
    signal: AbortSignal;
  }): ChildPipelineLauncher;
}
