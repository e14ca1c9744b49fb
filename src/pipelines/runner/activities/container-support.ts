/**
 * What container and expression-driven activities have in common: reading a nested activity list from the
 * raw definition, insisting that a condition is a boolean, and turning an inner scope's failure into the
 * container's own error, which points at the inner activity (spec §2.4).
 */
import type { ActivityDefinition } from '../../definition/model.ts';
import { ActivityFailure } from '../activity-failure.ts';
import type { ActivityRunContext, ScopeOutcome } from '../activity-handler.ts';
import { operationFailedMessage } from '../records.ts';
import { valueTypeName } from '../variables.ts';

/** The nested activity list under `key` of the raw typeProperties (lists are never evaluated up front). */
export function activityList(source: unknown, key: string): ActivityDefinition[] {
  if (source === null || typeof source !== 'object') return [];
  const list = (source as Record<string, unknown>)[key];
  return Array.isArray(list) ? (list as ActivityDefinition[]) : [];
}

export function rawTypeProperties(ctx: ActivityRunContext): Record<string, unknown> {
  return ctx.activity.typeProperties ?? {};
}

export function requireBoolean(value: unknown, what: string): boolean {
  if (typeof value === 'boolean') return value;
  throw new ActivityFailure(
    'InvalidExpressionResult',
    `The ${what} must evaluate to a boolean, but it evaluated to a value of type '${valueTypeName(value)}'.`,
  );
}

export function requireArray(value: unknown, what: string): unknown[] {
  if (Array.isArray(value)) return value as unknown[];
  throw new ActivityFailure(
    'InvalidExpressionResult',
    `The ${what} must evaluate to an array, but it evaluated to a value of type '${valueTypeName(value)}'.`,
  );
}

/** The error a container reports when its inner scope failed. */
export function innerFailure(failure: ScopeOutcome['failure']): ActivityFailure {
  if (failure === undefined) return new ActivityFailure('InnerActivityFailed', 'An inner activity failed.');
  const error = failure.error;
  return new ActivityFailure(
    error?.errorCode ?? 'InnerActivityFailed',
    operationFailedMessage(failure.activityName, error),
    { failureType: error?.failureType ?? 'UserError' },
  );
}

/** Ends a container after its inner scope: rethrows cancellation, fails on inner failure. */
export function requireScopeSuccess(ctx: ActivityRunContext, outcome: ScopeOutcome): void {
  if (outcome.status === 'Cancelled') throw cancellationReason(ctx.signal);
  if (outcome.status === 'Failed') throw innerFailure(outcome.failure);
}

export function cancellationReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('The activity was cancelled.');
}
