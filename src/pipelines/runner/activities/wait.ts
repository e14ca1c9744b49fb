/**
 * Wait (spec §2.7.3): sleeps `waitTimeInSeconds` on the run's clock, so virtual-time runs skip it. Numeric
 * text is accepted the way `int()` would read it, because `poll_interval` is often declared as a string.
 */
import { ActivityFailure } from '../activity-failure.ts';
import type { ActivityHandler } from '../activity-handler.ts';

function seconds(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\s*\+?\d+\s*$/.test(value)) return Number(value);
  throw new ActivityFailure(
    'InvalidWaitTime',
    `waitTimeInSeconds must be a whole number of seconds, but it is ${value === undefined ? 'missing' : JSON.stringify(value)}.`,
  );
}

export const waitHandler: ActivityHandler = {
  kind: 'control',
  async run(ctx) {
    await ctx.clock.sleep(seconds(ctx.typeProperties.waitTimeInSeconds) * 1000, ctx.signal);
    return {};
  },
};
