/**
 * The control-flow activities this runner implements itself (spec §2.7.2–2.7.11), registered under their
 * Data Factory type names. WebActivity and other execution types are added by the caller.
 */
import { appendVariableHandler } from './activities/append-variable.ts';
import { executePipelineHandler } from './activities/execute-pipeline.ts';
import { failHandler } from './activities/fail.ts';
import { filterHandler } from './activities/filter.ts';
import { forEachHandler } from './activities/for-each.ts';
import { ifConditionHandler } from './activities/if-condition.ts';
import { setVariableHandler } from './activities/set-variable.ts';
import { switchHandler } from './activities/switch.ts';
import { untilHandler } from './activities/until.ts';
import { waitHandler } from './activities/wait.ts';
import { HandlerRegistry } from './handler-registry.ts';

function registerControlFlowHandlers(registry: HandlerRegistry): HandlerRegistry {
  return registry
    .register('Until', untilHandler)
    .register('Wait', waitHandler)
    .register('SetVariable', setVariableHandler)
    .register('AppendVariable', appendVariableHandler)
    .register('IfCondition', ifConditionHandler)
    .register('Switch', switchHandler)
    .register('ForEach', forEachHandler)
    .register('Filter', filterHandler)
    .register('ExecutePipeline', executePipelineHandler)
    .register('Fail', failHandler);
}

/** A registry holding the control-flow handlers, ready for WebActivity and others to be added. */
export function createControlFlowRegistry(): HandlerRegistry {
  return registerControlFlowHandlers(new HandlerRegistry());
}
