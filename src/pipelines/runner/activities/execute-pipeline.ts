/**
 * ExecutePipeline (spec §2.7.10): starts a new run of the referenced pipeline with parameters evaluated in
 * the parent (the child's defaults fill the gaps). With `waitOnCompletion` (REST default false) the
 * activity takes the child run's outcome and passes on its `pipelineReturnValue`; without, it succeeds as
 * soon as the child run exists.
 */
import { ActivityFailure } from '../activity-failure.ts';
import type { ActivityHandler, ActivityRunContext } from '../activity-handler.ts';
import { ParameterError } from '../parameters.ts';
import { flag } from '../policy.ts';
import type { PipelineRunRecord } from '../records.ts';
import { cancellationReason } from './container-support.ts';

function referencedName(ctx: ActivityRunContext): string {
  const reference = ctx.typeProperties.pipeline as { referenceName?: unknown } | null | undefined;
  const name = reference?.referenceName;
  if (typeof name !== 'string' || name === '') {
    throw new ActivityFailure('InvalidPipelineReference', 'pipeline.referenceName must name a pipeline.');
  }
  return name;
}

function parametersOf(ctx: ActivityRunContext): Record<string, unknown> {
  const parameters: unknown = ctx.typeProperties.parameters ?? {};
  if (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters)) {
    throw new ActivityFailure(
      'InvalidPipelineParameters',
      'parameters must be an object of name/value pairs.',
    );
  }
  return parameters as Record<string, unknown>;
}

function outcomeOf(
  ctx: ActivityRunContext,
  run: PipelineRunRecord,
  output: Record<string, unknown>,
): unknown {
  if (run.status === 'Succeeded') return output;
  if (ctx.signal.aborted) throw cancellationReason(ctx.signal);
  if (run.status === 'Cancelled') {
    throw new ActivityFailure(
      'PipelineRunCancelled',
      `The pipeline run ${run.runId} of '${run.pipelineName}' was cancelled.`,
      {
        output,
      },
    );
  }
  throw new ActivityFailure('PipelineRunFailed', run.message, { output });
}

export const executePipelineHandler: ActivityHandler = {
  kind: 'control',
  async run(ctx) {
    const name = referencedName(ctx);
    const parameters = parametersOf(ctx);
    const definition = await ctx.control.pipelines.find(name);
    if (definition === undefined) {
      throw new ActivityFailure(
        'PipelineNotFound',
        `The pipeline '${name}' referenced by '${ctx.activity.name}' was not found.`,
      );
    }
    const waitOnCompletion = flag(ctx.typeProperties.waitOnCompletion);
    let child: { runId: string; done: Promise<PipelineRunRecord> };
    try {
      child = ctx.control.pipelines.start(definition, parameters, { waitOnCompletion });
    } catch (error) {
      if (error instanceof ParameterError)
        throw new ActivityFailure('InvalidPipelineParameters', error.message);
      throw error;
    }
    const output: Record<string, unknown> = { pipelineName: definition.name, pipelineRunId: child.runId };
    if (!waitOnCompletion) return output;
    const run = await child.done;
    if (run.pipelineReturnValue !== undefined) output.pipelineReturnValue = run.pipelineReturnValue;
    return outcomeOf(ctx, run, output);
  },
};
