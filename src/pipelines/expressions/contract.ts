/**
 * The contract between the pipeline runner and the expression language (spec §3). The runner owns state
 * (parameters, variables, activity results, the loop item, the clock); the expression engine only reads
 * it through an ExpressionContext, so the engine stays a pure function of text and context.
 *
 * Values crossing this boundary are plain JSON values (string, number, boolean, null, arrays, objects).
 */

/** What `activity('X')` exposes (spec §2.5): output, status and error of the latest result in scope. */
export interface ActivityResultView {
  status: string;
  output: unknown;
  error: { errorCode: string; message: string; failureType: string; target: string } | null;
}

/** The values behind `pipeline()` (spec §3.3). `parameters` are the run's resolved parameter values. */
export interface PipelineSystemValues {
  DataFactory: string;
  Pipeline: string;
  RunId: string;
  TriggerType: string;
  TriggerId: string;
  TriggerName: string;
  TriggerTime: string;
  GroupId: string;
  TriggeredByPipelineName: string | null;
  TriggeredByPipelineRunId: string | null;
  parameters: Record<string, unknown>;
  globalParameters: Record<string, unknown>;
}

export interface ExpressionContext {
  pipeline: PipelineSystemValues;
  /** Current value of a pipeline variable; undefined when the pipeline declares no such variable. */
  variable(name: string): { value: unknown } | undefined;
  /** Latest finished result of an activity visible from the current scope (name matched ignoring case). */
  activity(name: string): ActivityResultView | undefined;
  /** The current ForEach/Filter element, innermost loop; undefined outside a loop. */
  item: { value: unknown } | undefined;
  /** `trigger()` values; undefined for manual runs. */
  trigger?: Record<string, unknown>;
  /** Time for utcNow() and friends; the runner passes its (possibly virtual) clock. */
  now(): Date;
  newGuid(): string;
}

/** An expression that cannot be parsed or evaluated; the message follows the engine's wording (spec §3.7). */
export class ExpressionError extends Error {
  readonly code: string;
  constructor(message: string, code = 'InvalidTemplate') {
    super(message);
    this.name = 'ExpressionError';
    this.code = code;
  }
}

export interface ExpressionEngine {
  /**
   * Evaluates a JSON tree as Data Factory does (spec §1.7): Expression objects and strings that are
   * expressions or contain `@{...}` are evaluated; other values are returned as they are. Keys whose name
   * contains "activities" are not descended into (their container evaluates them later, in its own scope).
   * Throws ExpressionError.
   */
  evaluateTree(value: unknown, context: ExpressionContext): unknown;
  /** Evaluates one expression text (`@...`, `@{...}` interpolation, or a literal string). */
  evaluateText(text: string, context: ExpressionContext): unknown;
  /** Parses every expression in a JSON tree without evaluating; returns one message per problem found. */
  check(value: unknown): { path: string; message: string }[];
}
