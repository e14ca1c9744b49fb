/**
 * The run-scoped functions of spec §3.3: pipeline(), variables(), activity(), item(), trigger(), plus the
 * Logic Apps aliases body(x) = activity(x).output and actions(x) = activity(x) [I], and dataset() and
 * linkedService() when the runner provides them. They read the runner's state only through the
 * ExpressionContext; missing variables, activities and loop items raise the engine's messages (spec §3.7).
 */
import type { ExpressionContext } from '../contract.ts';
import { notExpectedHereError, unknownActivityError, unknownVariableError } from '../errors.ts';
import {
  fromJson,
  isObject,
  objectFromEntries,
  ownProperty,
  type Value,
  type ValueObject,
} from '../values.ts';
import { stringArg } from './arguments.ts';
import { eager, type FunctionDefinition } from './function-types.ts';

function triggerBody(context: ExpressionContext): ValueObject | null {
  const outputs = context.trigger?.['outputs'];
  const body =
    typeof outputs === 'object' && outputs !== null
      ? (outputs as Record<string, unknown>)['body']
      : undefined;
  return typeof body === 'object' && body !== null ? (body as ValueObject) : null;
}

function pipelineObject(context: ExpressionContext): ValueObject {
  return context.pipeline as unknown as ValueObject;
}

function activityObject(fn: string, args: readonly Value[], context: ExpressionContext): ValueObject {
  const name = stringArg(fn, args, 0);
  const view = context.activity(name);
  if (view === undefined) throw unknownActivityError(name);
  return objectFromEntries([
    ['output', fromJson(view.output)],
    ['status', view.status],
    ['error', fromJson(view.error)],
  ]);
}

function variable(args: readonly Value[], context: ExpressionContext): Value {
  const name = stringArg('variables', args, 0);
  const found = context.variable(name);
  if (found === undefined) throw unknownVariableError(name);
  return fromJson(found.value);
}

/** dataset() / linkedService(): parameters the runner may add to the pipeline values under that key. */
function scopedParameters(name: string, context: ExpressionContext): Value {
  const value = ownProperty(pipelineObject(context), name);
  if (value === undefined || !isObject(value)) throw notExpectedHereError(name);
  return value;
}

export function scopeFunctions(): FunctionDefinition[] {
  return [
    eager('pipeline', 0, 0, (_args, env) => pipelineObject(env.context)),
    eager('variables', 1, 1, (args, env) => variable(args, env.context)),
    eager('activity', 1, 1, (args, env) => activityObject('activity', args, env.context)),
    eager('actions', 1, 1, (args, env) => activityObject('actions', args, env.context)),
    eager(
      'body',
      1,
      1,
      (args, env) => ownProperty(activityObject('body', args, env.context), 'output') ?? null,
    ),
    eager('item', 0, 0, (_args, env) => {
      const item = env.context.item;
      if (item === undefined) throw notExpectedHereError('item');
      return fromJson(item.value);
    }),
    // Manual runs have no trigger values; an empty object lets `trigger()?.outputs` read as null [I].
    eager('trigger', 0, 0, (_args, env) => (env.context.trigger ?? {}) as ValueObject),
    // A storage event's body (folderPath, fileName): `trigger().outputs.body`, null outside such a run.
    eager('triggerBody', 0, 0, (_args, env) => triggerBody(env.context)),
    eager('dataset', 0, 0, (_args, env) => scopedParameters('dataset', env.context)),
    eager('linkedService', 0, 0, (_args, env) => scopedParameters('linkedService', env.context)),
  ];
}
