/**
 * Runs a scope end to end: checks its graph, schedules its activities (scope-scheduler.ts) with the
 * activity executor, records skips, and derives its status with the leaf rule. The pipeline runner uses it
 * for the top-level activities and container handlers reach it through their context.
 */
import type { ActivityDefinition } from '../definition/model.ts';
import { ActivityFailure } from './activity-failure.ts';
import type { ScopeOutcome } from './activity-handler.ts';
import { recordWithoutRunning } from './activity-records.ts';
import { executeActivity } from './activity-executor.ts';
import { scopeGraphProblems } from './dependency-graph.ts';
import { expressionContext } from './expression-context.ts';
import { applyLeafRule } from './leaf-rule.ts';
import type { RunContext, ScopeFrame } from './run-context.ts';
import { scheduleScope } from './scope-scheduler.ts';

export async function runScope(
  activities: readonly ActivityDefinition[],
  frame: ScopeFrame,
  run: RunContext,
): Promise<ScopeOutcome> {
  const problems = scopeGraphProblems(activities);
  if (problems.length > 0) throw new ActivityFailure('InvalidPipelineDefinition', problems.join(' '));
  const statuses = await scheduleScope(activities, {
    start: (activity) => executeActivity(activity, frame, run, runScope),
    skip: (activity) => {
      const ending = { status: 'Skipped', output: null, error: null } as const;
      recordWithoutRunning(run, frame, activity, ending);
      frame.results.set({ name: activity.name, ...ending });
    },
    signal: frame.signal,
  });
  const verdict = applyLeafRule(activities, (name) => statuses.get(name.toLowerCase()));
  const failedName = verdict.failedActivities[0];
  return {
    status: frame.signal.aborted ? 'Cancelled' : verdict.status,
    failure:
      failedName === undefined
        ? undefined
        : { activityName: failedName, error: frame.results.get(failedName)?.error ?? null },
    evaluate: (value) => run.services.expressions.evaluateTree(value, expressionContext(run, frame)),
  };
}
