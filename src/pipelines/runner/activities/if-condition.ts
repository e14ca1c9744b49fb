/**
 * IfCondition (spec §2.7.6): evaluates a boolean expression and runs only the chosen branch as a scope; the
 * branch's leaf rule decides the activity's status, and an absent or empty branch succeeds.
 */
import type { ActivityHandler } from '../activity-handler.ts';
import { activityList, rawTypeProperties, requireBoolean, requireScopeSuccess } from './container-support.ts';

export const ifConditionHandler: ActivityHandler = {
  kind: 'control',
  async run(ctx) {
    const condition = requireBoolean(ctx.typeProperties.expression, 'IfCondition expression');
    const branch = activityList(rawTypeProperties(ctx), condition ? 'ifTrueActivities' : 'ifFalseActivities');
    const outcome = await ctx.control.runScope(branch);
    requireScopeSuccess(ctx, outcome);
    return {};
  },
};
