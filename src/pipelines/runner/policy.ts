/**
 * The effective policy of one activity (spec §1.6, §2.3). Execution activities get retry, retry interval and
 * a per-attempt timeout (REST default 7 days); control activities (SetVariable, Until, ForEach, ...) only
 * have the secure flags. `timeout` and `retry` may be expressions and are evaluated in the activity's scope.
 */
import type { ActivityDefinition } from '../definition/model.ts';
import { parseTimespan } from '../time/timespan.ts';
import { ActivityFailure } from './activity-failure.ts';

export interface EffectivePolicy {
  /** Extra attempts after a failure. */
  retries: number;
  retryIntervalMs: number;
  /** Per-attempt limit; undefined for control activities. */
  timeoutMs: number | undefined;
  secureInput: boolean;
  secureOutput: boolean;
}

const DEFAULT_TIMEOUT_MS = 7 * 24 * 3600_000;
const DEFAULT_RETRY_INTERVAL_S = 30;

function invalid(activity: ActivityDefinition, field: string, value: unknown): ActivityFailure {
  return new ActivityFailure(
    'InvalidActivityPolicy',
    `The policy ${field} of activity '${activity.name}' is not valid: ${JSON.stringify(value)}.`,
  );
}

/** A flag written as a boolean or as the text "true"/"false" (real exports do both). */
export function flag(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

function wholeNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Reads the policy, evaluating expression-valued fields with `evaluate`; throws ActivityFailure if invalid. */
export function readPolicy(
  activity: ActivityDefinition,
  kind: 'execution' | 'control',
  evaluate: (value: unknown) => unknown,
): EffectivePolicy {
  const policy = activity.policy ?? {};
  const secureInput = flag(policy.secureInput);
  const secureOutput = flag(policy.secureOutput);
  if (kind === 'control') {
    return { retries: 0, retryIntervalMs: 0, timeoutMs: undefined, secureInput, secureOutput };
  }
  const retryValue = policy.retry === undefined ? 0 : evaluate(policy.retry);
  const retries = wholeNumber(retryValue);
  if (retries === undefined) throw invalid(activity, 'retry', retryValue);
  const intervalValue = policy.retryIntervalInSeconds ?? DEFAULT_RETRY_INTERVAL_S;
  const interval = wholeNumber(intervalValue);
  if (interval === undefined) throw invalid(activity, 'retryIntervalInSeconds', intervalValue);
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (policy.timeout !== undefined) {
    const timeoutValue = evaluate(policy.timeout);
    const parsed = typeof timeoutValue === 'string' ? parseTimespan(timeoutValue) : undefined;
    if (parsed === undefined) throw invalid(activity, 'timeout', timeoutValue);
    timeoutMs = parsed;
  }
  return { retries, retryIntervalMs: interval * 1000, timeoutMs, secureInput, secureOutput };
}
