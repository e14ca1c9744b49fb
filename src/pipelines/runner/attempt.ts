/**
 * One attempt of one activity: evaluate its typeProperties in scope, open its record, run the handler under
 * the attempt's timeout (on the run's clock) and cancellation, and close the record with what happened. A
 * handler that ignores its signal is abandoned rather than awaited, so a cancel or timeout always ends the
 * attempt.
 */
import type { ActivityDefinition } from '../definition/model.ts';
import { ExpressionError } from '../expressions/contract.ts';
import { formatTimespan } from '../time/timespan.ts';
import { ActivityFailure } from './activity-failure.ts';
import type { ActivityHandler } from './activity-handler.ts';
import {
  announceStart,
  closeActivityRecord,
  evaluateUserProperties,
  openActivityRecord,
  recordInput,
  type ActivityEnding,
} from './activity-records.ts';
import { buildRunContext, type InnerScopeRunner } from './attempt-context.ts';
import { expressionContext } from './expression-context.ts';
import type { EffectivePolicy } from './policy.ts';
import { errorRecord } from './records.ts';
import { ResultStore, type RunContext, type ScopeFrame } from './run-context.ts';

export interface AttemptPlan {
  activity: ActivityDefinition;
  handler: ActivityHandler;
  policy: EffectivePolicy;
  /** 1-based. */
  attempt: number;
}

/** Why an attempt's signal aborted when its policy timeout ran out. */
class AttemptTimeout extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`The activity timed out after ${formatTimespan(timeoutMs)}.`);
    this.name = 'AttemptTimeout';
    this.timeoutMs = timeoutMs;
  }
}

export async function runAttempt(
  plan: AttemptPlan,
  frame: ScopeFrame,
  run: RunContext,
  runInnerScope: InnerScopeRunner,
): Promise<ActivityEnding> {
  const { activity, handler, policy } = plan;
  const record = openActivityRecord(run, frame, activity, plan.attempt === 1 ? null : plan.attempt - 1);
  const attemptAbort = new AbortController();
  const signal = AbortSignal.any([frame.signal, attemptAbort.signal]);
  const innerResults = new ResultStore();
  const context = expressionContext(run, frame);
  const evaluate = (value: unknown): unknown => run.services.expressions.evaluateTree(value, context);
  record.userProperties = evaluateUserProperties(activity, evaluate);
  let ending: ActivityEnding;
  let announced = false;
  try {
    const typeProperties = evaluateTypeProperties(activity, handler, evaluate);
    recordInput(run, record, typeProperties, policy.secureInput);
    announceStart(run, record);
    announced = true;
    const setup = { activity, typeProperties, activityRunId: record.activityRunId, attempt: plan.attempt };
    const reportInput = (input: unknown): void => {
      recordInput(run, record, input, policy.secureInput);
    };
    const ctx = buildRunContext({ ...setup, signal, innerResults, reportInput }, frame, run, runInnerScope);
    const output = await underTimeout(run, policy.timeoutMs, attemptAbort, signal, () => handler.run(ctx));
    ending = { status: 'Succeeded', output: output ?? null, error: null };
  } catch (error) {
    if (!announced) announceStart(run, record);
    ending = failedEnding(activity.name, error, frame.signal, attemptAbort.signal);
  } finally {
    frame.results.mergeFrom(innerResults);
  }
  closeActivityRecord(run, record, ending, policy.secureOutput);
  return ending;
}

function evaluateTypeProperties(
  activity: ActivityDefinition,
  handler: ActivityHandler,
  evaluate: (value: unknown) => unknown,
): Record<string, unknown> {
  const raw = activity.typeProperties ?? {};
  const deferred = new Set(handler.deferredProperties ?? []);
  const toEvaluate = Object.fromEntries(Object.entries(raw).filter(([key]) => !deferred.has(key)));
  const evaluated = evaluate(toEvaluate) as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) result[key] = deferred.has(key) ? value : evaluated[key];
  return result;
}

async function underTimeout<T>(
  run: RunContext,
  timeoutMs: number | undefined,
  attemptAbort: AbortController,
  signal: AbortSignal,
  work: () => Promise<T>,
): Promise<T> {
  const stopTimer = new AbortController();
  if (timeoutMs !== undefined) {
    run.services.clock.sleep(timeoutMs, AbortSignal.any([stopTimer.signal, signal])).then(
      () => {
        attemptAbort.abort(new AttemptTimeout(timeoutMs));
      },
      () => {
        // The attempt ended first.
      },
    );
  }
  try {
    return await untilAborted(work(), signal);
  } finally {
    stopTimer.abort();
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason as Error);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}

function failedEnding(
  target: string,
  error: unknown,
  scopeSignal: AbortSignal,
  attemptSignal: AbortSignal,
): ActivityEnding {
  if (scopeSignal.aborted) {
    return {
      status: 'Cancelled',
      output: null,
      error: errorRecord(target, 'Cancelled', 'The activity was cancelled.'),
    };
  }
  const reason: unknown = attemptSignal.aborted ? attemptSignal.reason : undefined;
  if (reason instanceof AttemptTimeout) {
    return { status: 'Failed', output: null, error: errorRecord(target, 'ActivityTimedOut', reason.message) };
  }
  if (error instanceof ActivityFailure) {
    const { errorCode, message, failureType, details } = error;
    return {
      status: 'Failed',
      output: error.output ?? null,
      error: errorRecord(target, errorCode, message, { failureType, details }),
    };
  }
  if (error instanceof ExpressionError) {
    return { status: 'Failed', output: null, error: errorRecord(target, error.code, error.message) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: 'Failed',
    output: null,
    error: errorRecord(target, 'InternalError', message, { failureType: 'SystemError' }),
  };
}
