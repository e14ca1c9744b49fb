/**
 * Builds what a handler sees during one attempt (the ActivityRunContext): evaluation in the activity's
 * scope, inner scopes for containers whose results are collected for later visibility, variables, the
 * return value and child pipeline runs.
 */
import type { ActivityDefinition } from '../definition/model.ts';
import { awaitExternalWork } from '../time/external-work.ts';
import type { ActivityRunContext, ScopeOutcome } from './activity-handler.ts';
import { expressionContext } from './expression-context.ts';
import { ResultStore, type RunContext, type ScopeFrame } from './run-context.ts';

/** Runs an activity list as a scope in `frame` (scope-runner.ts, injected to keep the modules acyclic). */
export type InnerScopeRunner = (
  activities: readonly ActivityDefinition[],
  frame: ScopeFrame,
  run: RunContext,
) => Promise<ScopeOutcome>;

export interface AttemptSetup {
  activity: ActivityDefinition;
  typeProperties: Record<string, unknown>;
  activityRunId: string;
  attempt: number;
  signal: AbortSignal;
  /** Results of inner scopes, merged into the enclosing scope when the attempt ends. */
  innerResults: ResultStore;
  reportInput: (input: unknown) => void;
}

export function buildRunContext(
  setup: AttemptSetup,
  frame: ScopeFrame,
  run: RunContext,
  runInnerScope: InnerScopeRunner,
): ActivityRunContext {
  const { activity, activityRunId, signal } = setup;
  const { expressions, clock } = run.services;
  const scopeContext = expressionContext(run, frame);
  return {
    activity,
    typeProperties: setup.typeProperties,
    activityRunId,
    pipelineName: run.pipelineName,
    pipelineRunId: run.runId,
    attempt: setup.attempt,
    clock,
    signal,
    evaluate: (value, options) =>
      expressions.evaluateTree(
        value,
        options !== undefined && 'item' in options
          ? expressionContext(run, frame, { value: options.item })
          : scopeContext,
      ),
    reportInput: setup.reportInput,
    awaitExternal: (work) => awaitExternalWork(clock, work),
    control: {
      runScope: async (activities, options = {}) => {
        const inner: ScopeFrame = {
          results: new ResultStore(),
          parent: frame,
          item: options.item ?? frame.item,
          iteration: options.iteration ?? frame.iteration,
          parentActivityRunId: activityRunId,
          signal: options.signal ?? signal,
        };
        try {
          return await runInnerScope(activities, inner, run);
        } finally {
          setup.innerResults.mergeFrom(inner.results);
        }
      },
      variables: run.variables,
      setPipelineReturnValue: (value) => {
        run.returnValue = value;
      },
      pipelines: run.childLauncher({ activityName: activity.name, activityRunId, signal }),
    },
  };
}
