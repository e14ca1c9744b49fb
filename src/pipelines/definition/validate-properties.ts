/**
 * Small checks shared by the per-type rules: "this property is required", "this is dynamic content or an
 * integer in a range", "this is a timespan". Each one reports through the sink with the property path
 * relative to the activity, so the per-type files read as a list of rules.
 */
import { isDynamic, isExpressionObject, readBoolean, readInteger } from './lenient-values.ts';
import { parseTimespan } from '../time/timespan.ts';
import { shown, type ActivitySite, type ProblemSink } from './validation-context.ts';

/** Present and not null or the empty string. */
export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

export function requireValue(
  sink: ProblemSink,
  site: ActivitySite,
  property: string,
  value: unknown,
  what: string,
): boolean {
  if (isPresent(value)) return true;
  sink.activity(site, property, `is required: ${what}.`);
  return false;
}

/** A condition or a list that only an expression can give (Until/If `expression`, ForEach `items`). */
export function requireExpression(
  sink: ProblemSink,
  site: ActivitySite,
  property: string,
  value: unknown,
  what: string,
): void {
  if (!requireValue(sink, site, property, value, `set it to an expression that ${what}`)) return;
  if (!isExpressionObject(value) && !(typeof value === 'string' && value.startsWith('@'))) {
    sink.activity(
      site,
      property,
      `is ${shown(value)}; it must be an expression that ${what}, written {"value": "@...", "type": "Expression"}.`,
    );
  }
}

export function checkInteger(
  sink: ProblemSink,
  site: ActivitySite,
  property: string,
  value: unknown,
  range: { min: number; max?: number },
): void {
  if (value === undefined || isDynamic(value)) return;
  const number = readInteger(value);
  const { min, max } = range;
  if (number === undefined || number < min || (max !== undefined && number > max)) {
    const allowed = max === undefined ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
    sink.activity(site, property, `is ${shown(value)}; use ${allowed}, or an expression.`);
  }
}

export function checkBoolean(sink: ProblemSink, site: ActivitySite, property: string, value: unknown): void {
  if (value === undefined || isDynamic(value) || readBoolean(value) !== undefined) return;
  sink.activity(site, property, `is ${shown(value)}; use true or false.`);
}

/** A `d.hh:mm:ss` timespan, no longer than `limit.maxMs` when given (`maxText` in messages), or an expression. */
export function checkTimespan(
  sink: ProblemSink,
  site: ActivitySite,
  property: string,
  value: unknown,
  limit?: { maxMs: number; maxText: string },
): void {
  if (value === undefined || isDynamic(value)) return;
  const ms = typeof value === 'string' ? parseTimespan(value) : undefined;
  if (ms === undefined) {
    sink.activity(
      site,
      property,
      `is ${shown(value)}, not a timespan; write d.hh:mm:ss, e.g. "0.12:00:00" for 12 hours.`,
    );
  } else if (limit !== undefined && ms > limit.maxMs) {
    sink.activity(site, property, `is ${shown(value)}, longer than the maximum of ${limit.maxText}.`);
  }
}

/** An object (a map of values), when present. */
export function checkObject(
  sink: ProblemSink,
  site: ActivitySite,
  property: string,
  value: unknown,
  what: string,
): void {
  if (value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value))) return;
  sink.activity(site, property, `is ${shown(value)}; it must be an object of ${what}.`);
}
