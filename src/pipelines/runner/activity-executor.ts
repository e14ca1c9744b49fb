/**
 * Runs one activity of a scope to its final status: inactive activities end at once with their
 * `onInactiveMarkAs` status (spec §1.5); active ones run up to `1 + retry` attempts, waiting
 * `retryIntervalInSeconds` on the run's clock between them (§2.3). Only the last attempt's result becomes
 * visible to expressions and dependencies.
 */
import type { ActivityDefinition } from '../definition/model.ts';
import { ExpressionError } from '../expressions/contract.ts';
import { ActivityFailure } from './activity-failure.ts';
import { recordWithoutRunning, type ActivityEnding } from './activity-records.ts';
import type { InnerScopeRunner } from './attempt-context.ts';
import { runAttempt } from './attempt.ts';
import { expressionContext } from './expression-context.ts';
import { readPolicy, type EffectivePolicy } from './policy.ts';
import { errorRecord, type TerminalActivityStatus } from './records.ts';
import type { RunContext, ScopeFrame } from './run-context.ts';

export async function executeActivity(
  activity: ActivityDefinition,
  frame: ScopeFrame,
  run: RunContext,
  runInnerScope: InnerScopeRunner,
): Promise<TerminalActivityStatus> {
  const ending = await endingOf(activity, frame, run, runInnerScope);
  frame.results.set({ name: activity.name, ...ending });
  return ending.status;
}

async function endingOf(
  activity: ActivityDefinition,
  frame: ScopeFrame,
  run: RunContext,
  runInnerScope: InnerScopeRunner,
): Promise<ActivityEnding> {
  if (activity.state === 'Inactive') {
    const ending = inactiveEnding(activity);
    recordWithoutRunning(run, frame, activity, ending);
    return ending;
  }
  const handler = run.services.handlers.handlerFor(activity.type);
  let policy: EffectivePolicy;
  try {
    const context = expressionContext(run, frame);
    policy = readPolicy(activity, handler.kind ?? 'execution', (v) =>
      run.services.expressions.evaluateTree(v, context),
    );
  } catch (error) {
    const ending = policyFailure(activity, error);
    recordWithoutRunning(run, frame, activity, ending);
    return ending;
  }
  for (let attempt = 1; ; attempt++) {
    const ending = await runAttempt({ activity, handler, policy, attempt }, frame, run, runInnerScope);
    if (ending.status !== 'Failed' || attempt > policy.retries || frame.signal.aborted) return ending;
    try {
      await run.services.clock.sleep(policy.retryIntervalMs, frame.signal);
    } catch {
      return ending;
    }
  }
}

function inactiveEnding(activity: ActivityDefinition): ActivityEnding {
  const status = activity.onInactiveMarkAs ?? 'Succeeded';
  const error =
    status === 'Failed'
      ? errorRecord(
          activity.name,
          'ActivityInactive',
          `Activity '${activity.name}' is inactive and marked as Failed.`,
        )
      : null;
  return { status, output: null, error };
}

function policyFailure(activity: ActivityDefinition, error: unknown): ActivityEnding {
  if (error instanceof ActivityFailure || error instanceof ExpressionError) {
    const code = error instanceof ActivityFailure ? error.errorCode : error.code;
    return { status: 'Failed', output: null, error: errorRecord(activity.name, code, error.message) };
  }
  throw error;
}
