/**
 * The contract between the runner and one activity type. The runner evaluates the activity's
 * typeProperties, applies its policy (retry, timeout, secure flags), writes its records and keeps its
 * result visible to later expressions; a handler only does the activity's own work and returns its output.
 * To fail, a handler throws ActivityFailure (anything else is recorded as a SystemError). It must stop
 * promptly when `signal` aborts (pipeline cancel, policy timeout, an enclosing Until's timeout), and do
 * every wait through `clock` so virtual-time runs stay fast.
 *
 * Execution activities such as WebActivity need only `typeProperties`, `activity`, `clock`, `signal` and
 * `awaitExternal`. Control activities also use `control`, to run inner scopes, touch variables and start
 * child pipelines.
 */
import type { ActivityDefinition, PipelineDefinition } from '../definition/model.ts';
import type { Clock } from '../time/clock.ts';
import type { ActivityErrorRecord, PipelineRunRecord } from './records.ts';

export interface ActivityHandler {
  /**
   * `execution` activities honour `policy.retry`, `retryIntervalInSeconds` and `timeout`; `control`
   * activities have no retry or timeout (spec §1.6). Default `execution`.
   */
  readonly kind?: 'execution' | 'control';
  /** typeProperties keys left unevaluated because the handler evaluates them itself, later or per item. */
  readonly deferredProperties?: readonly string[];
  /** Does the work and resolves with the activity's output. */
  run(ctx: ActivityRunContext): Promise<unknown>;
}

export interface ActivityRunContext {
  /** The activity as written, unknown properties included. */
  readonly activity: ActivityDefinition;
  /** typeProperties with expressions evaluated, except nested activity lists and `deferredProperties`. */
  readonly typeProperties: Record<string, unknown>;
  readonly activityRunId: string;
  readonly pipelineName: string;
  readonly pipelineRunId: string;
  /** 1 on the first attempt. */
  readonly attempt: number;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /** Evaluates a JSON tree in this activity's scope; `item` stands in for `item()` (Filter). */
  evaluate(value: unknown, options?: { item?: unknown }): unknown;
  /**
   * Replaces the input record, which defaults to the evaluated typeProperties (SecureString values hidden),
   * with the handler's own view, e.g. the HTTP request actually sent with its Authorization header masked.
   * `secureInput` still wins.
   */
  reportInput(input: unknown): void;
  /** Awaits real I/O, holding a virtual clock still meanwhile (see time/external-work.ts). */
  awaitExternal<T>(work: Promise<T>): Promise<T>;
  readonly control: ControlFlowAccess;
}

export interface ControlFlowAccess {
  /**
   * Runs an inner activity list as a scope that sees this activity's scope. Its results stay visible after
   * the container ends (the latest finished result per name wins, spec §2.5).
   */
  runScope(activities: readonly ActivityDefinition[], options?: ScopeRunOptions): Promise<ScopeOutcome>;
  /** Pipeline variables; `set` and `append` throw ActivityFailure on a type mismatch. */
  readonly variables: {
    get(name: string): { value: unknown } | undefined;
    set(name: string, value: unknown): void;
    append(name: string, value: unknown): void;
  };
  /** Replaces the run's `pipelineReturnValue` map (spec §2.7.4). */
  setPipelineReturnValue(value: Record<string, unknown>): void;
  readonly pipelines: ChildPipelineLauncher;
}

export interface ScopeRunOptions {
  /** The `item()` value inside the scope (ForEach); inherited from the enclosing scope when absent. */
  item?: { value: unknown };
  /** 1-based loop iteration, shown on the scope's activity records. */
  iteration?: number;
  /** Cancels the scope; defaults to the activity's own signal. */
  signal?: AbortSignal;
}

export interface ScopeOutcome {
  /** The leaf rule (spec §2.4) over the scope; `Cancelled` when its signal aborted. */
  status: 'Succeeded' | 'Failed' | 'Cancelled';
  /** The first evaluated activity that did not succeed, with its error. */
  failure: { activityName: string; error: ActivityErrorRecord | null } | undefined;
  /** Evaluates a JSON tree inside the finished scope, seeing its results (the Until condition). */
  evaluate(value: unknown): unknown;
}

export interface ChildPipelineLauncher {
  find(name: string): Promise<PipelineDefinition | undefined>;
  /**
   * Starts a run of `definition` triggered by this activity. With `waitOnCompletion` the child is
   * cancelled with this activity; without, it runs on its own. Throws ParameterError synchronously.
   */
  start(
    definition: PipelineDefinition,
    parameters: Record<string, unknown>,
    options: { waitOnCompletion: boolean },
  ): { runId: string; done: Promise<PipelineRunRecord> };
}
