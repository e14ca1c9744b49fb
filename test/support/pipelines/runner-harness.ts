/**
 * Test wiring for the runner: the real expression engine, a virtual clock, sequential ids, an in-memory
 * recorder, the control-flow handlers plus a scriptable `Probe` activity, and a few builders that keep
 * pipeline JSON in tests short.
 */
import type {
  ActivityDefinition,
  DependencyCondition,
  PipelineDefinition,
} from '../../../src/pipelines/definition/model.ts';
import type { ExpressionEngine } from '../../../src/pipelines/expressions/contract.ts';
import { VirtualClock } from '../../../src/pipelines/time/virtual-clock.ts';
import { ActivityFailure } from '../../../src/pipelines/runner/activity-failure.ts';
import type { ActivityHandler } from '../../../src/pipelines/runner/activity-handler.ts';
import { createControlFlowRegistry } from '../../../src/pipelines/runner/control-flow-handlers.ts';
import { RunRecorder } from '../../../src/pipelines/runner/events.ts';
import type { HandlerRegistry } from '../../../src/pipelines/runner/handler-registry.ts';
import { sequentialIds } from '../../../src/pipelines/runner/ids.ts';
import { PipelineRunner } from '../../../src/pipelines/runner/pipeline-runner.ts';
import type { ActivityRunRecord } from '../../../src/pipelines/runner/records.ts';
import { createExpressionEngine } from '../../../src/pipelines/expressions/engine.ts';

/**
 * `Probe`: an execution activity driven by its typeProperties. It sleeps `sleepSeconds` on the clock,
 * fails its first `failAttempts` attempts (or every attempt with `fail: true`), else returns `output`.
 */
const probeHandler: ActivityHandler = {
  async run(ctx) {
    const props = ctx.typeProperties;
    if (typeof props.sleepSeconds === 'number') await ctx.clock.sleep(props.sleepSeconds * 1000, ctx.signal);
    const failAttempts = typeof props.failAttempts === 'number' ? props.failAttempts : 0;
    if (props.fail === true || ctx.attempt <= failAttempts) {
      throw new ActivityFailure(
        'ProbeFailed',
        `probe ${ctx.activity.name} failed on attempt ${ctx.attempt}`,
        {
          output: { attempt: ctx.attempt },
        },
      );
    }
    return props.output ?? { attempt: ctx.attempt };
  },
};

export interface Harness {
  clock: VirtualClock;
  handlers: HandlerRegistry;
  recorder: RunRecorder;
  runner: PipelineRunner;
  /** Finished runs of one activity in the order they finished. */
  runsOf(name: string): ActivityRunRecord[];
  statusOf(name: string): string | undefined;
}

export function createHarness(
  options: { pipelines?: PipelineDefinition[]; engine?: ExpressionEngine; clock?: VirtualClock } = {},
): Harness {
  const clock = options.clock ?? new VirtualClock();
  const recorder = new RunRecorder();
  const handlers = createControlFlowRegistry().register('Probe', probeHandler);
  const stored = new Map((options.pipelines ?? []).map((p) => [p.name.toLowerCase(), p]));
  const runner = new PipelineRunner({
    expressions: options.engine ?? createExpressionEngine(),
    clock,
    ids: sequentialIds(),
    handlers,
    events: recorder,
    pipelines: { find: (name) => Promise.resolve(stored.get(name.toLowerCase())) },
  });
  const runsOf = (name: string): ActivityRunRecord[] => recorder.runsOfActivity(name);
  return { clock, handlers, recorder, runner, runsOf, statusOf: (name) => runsOf(name).at(-1)?.status };
}

export function pipeline(
  name: string,
  activities: ActivityDefinition[],
  extra: Omit<PipelineDefinition['properties'], 'activities'> = {},
): PipelineDefinition {
  return { name, properties: { ...extra, activities } };
}

export function probe(
  name: string,
  typeProperties: Record<string, unknown> = {},
  extra: Partial<ActivityDefinition> = {},
): ActivityDefinition {
  return { name, type: 'Probe', typeProperties, ...extra };
}

export function after(
  activity: string,
  ...conditions: DependencyCondition[]
): ActivityDefinition['dependsOn'] {
  return [{ activity, dependencyConditions: conditions }];
}

export function expr(value: string): { value: string; type: 'Expression' } {
  return { value, type: 'Expression' };
}
