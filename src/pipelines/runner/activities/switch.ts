/**
 * Switch (spec §2.7.7): evaluates `on` to a string and runs the first case whose value matches it exactly
 * (case-sensitive), or `defaultActivities`. An integer `on` is compared as its decimal text.
 */
import { ActivityFailure } from '../activity-failure.ts';
import type { ActivityHandler } from '../activity-handler.ts';
import { valueTypeName } from '../variables.ts';
import { activityList, rawTypeProperties, requireScopeSuccess } from './container-support.ts';

function caseKey(value: unknown): string {
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint')
    return String(value);
  throw new ActivityFailure(
    'InvalidExpressionResult',
    `The Switch 'on' expression must evaluate to a string, but it evaluated to a value of type '${valueTypeName(value)}'.`,
  );
}

export const switchHandler: ActivityHandler = {
  kind: 'control',
  deferredProperties: ['cases', 'defaultActivities'],
  async run(ctx) {
    const on = caseKey(ctx.typeProperties.on);
    const raw = rawTypeProperties(ctx);
    const cases = Array.isArray(raw.cases) ? (raw.cases as unknown[]) : [];
    const chosen = cases.find((c) => {
      const value = (c as { value?: unknown } | null)?.value;
      return (typeof value === 'string' || typeof value === 'number') && String(value) === on;
    });
    const activities =
      chosen === undefined ? activityList(raw, 'defaultActivities') : activityList(chosen, 'activities');
    const outcome = await ctx.control.runScope(activities);
    requireScopeSuccess(ctx, outcome);
    return {};
  },
};
