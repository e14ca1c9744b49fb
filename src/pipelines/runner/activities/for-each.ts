/**
 * ForEach (spec §2.7.8): runs the inner activities once per item, each iteration a scope of its own with
 * `item()` bound. Parallel by default with at most `batchCount` (default 20) iterations at a time, started
 * in item order; `isSequential` (also the text "true") runs one at a time. Iterations continue past
 * failures, and the ForEach fails if any iteration's scope failed.
 */
import type { ActivityHandler, ScopeOutcome } from '../activity-handler.ts';
import { flag } from '../policy.ts';
import {
  activityList,
  cancellationReason,
  innerFailure,
  rawTypeProperties,
  requireArray,
} from './container-support.ts';

const DEFAULT_BATCH_COUNT = 20;

function batchCountOf(value: unknown): number {
  const count = typeof value === 'string' ? Number(value) : value;
  return typeof count === 'number' && Number.isInteger(count) && count >= 1 ? count : DEFAULT_BATCH_COUNT;
}

export const forEachHandler: ActivityHandler = {
  kind: 'control',
  async run(ctx) {
    const items = requireArray(ctx.typeProperties.items, 'ForEach items');
    const activities = activityList(rawTypeProperties(ctx), 'activities');
    const sequential = flag(ctx.typeProperties.isSequential);
    const workers = Math.min(items.length, sequential ? 1 : batchCountOf(ctx.typeProperties.batchCount));
    const outcomes: (ScopeOutcome | undefined)[] = [];
    let next = 0;
    const work = async (): Promise<void> => {
      while (next < items.length && !ctx.signal.aborted) {
        const index = next++;
        outcomes[index] = await ctx.control.runScope(activities, {
          item: { value: items[index] },
          iteration: index + 1,
        });
      }
    };
    await Promise.all(Array.from({ length: workers }, work));
    if (ctx.signal.aborted) throw cancellationReason(ctx.signal);
    const failed = outcomes.find((o) => o?.status === 'Failed');
    if (failed !== undefined) throw innerFailure(failed.failure);
    return {};
  },
};
