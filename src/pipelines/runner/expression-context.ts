/**
 * Builds the read-only view the expression engine gets of a run (spec §3.3) for one scope: the run's
 * `pipeline()` values, its variables, the results visible from that scope, and the innermost loop item.
 */
import type { ActivityResultView, ExpressionContext } from '../expressions/contract.ts';
import { findResult, type RunContext, type ScopeFrame } from './run-context.ts';

export function expressionContext(
  run: RunContext,
  frame: ScopeFrame,
  item: { value: unknown } | undefined = frame.item,
): ExpressionContext {
  return {
    pipeline: run.system,
    variable: (name) => run.variables.get(name),
    activity: (name): ActivityResultView | undefined => {
      const result = findResult(frame, name);
      if (result === undefined) return undefined;
      const error = result.error;
      return {
        status: result.status,
        output: result.output,
        error:
          error === null
            ? null
            : {
                errorCode: error.errorCode,
                message: error.message,
                failureType: error.failureType,
                target: error.target,
              },
      };
    },
    item,
    trigger: run.trigger,
    now: () => run.services.clock.now(),
    newGuid: () => run.services.ids.newId(),
  };
}
