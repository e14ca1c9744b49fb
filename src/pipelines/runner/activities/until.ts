/**
 * Until (spec §2.7.2): a do-until loop. Each iteration runs the inner activities as a fresh scope; then the
 * condition is evaluated inside that finished scope, so it sees the iteration's results. An inner failure
 * does not stop the loop. When the condition holds, the last iteration's leaf rule decides the status. The
 * Until's own timeout (default 7 days) runs on the clock and cancels the running iteration.
 */
import { formatTimespan, parseTimespan } from '../../time/timespan.ts';
import { ActivityFailure } from '../activity-failure.ts';
import type { ActivityHandler, ActivityRunContext } from '../activity-handler.ts';
import {
  activityList,
  cancellationReason,
  rawTypeProperties,
  requireBoolean,
  requireScopeSuccess,
} from './container-support.ts';

const DEFAULT_TIMEOUT_MS = 7 * 24 * 3600_000;

function timeoutOf(ctx: ActivityRunContext): number {
  const value = ctx.typeProperties.timeout;
  if (value === undefined || value === null) return DEFAULT_TIMEOUT_MS;
  const parsed = typeof value === 'string' ? parseTimespan(value) : undefined;
  if (parsed === undefined) {
    throw new ActivityFailure(
      'InvalidUntilTimeout',
      `The Until timeout ${JSON.stringify(value)} is not a timespan.`,
    );
  }
  return parsed;
}

/** Lets real timers and the virtual clock's idle check run between iterations that never wait. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export const untilHandler: ActivityHandler = {
  kind: 'control',
  deferredProperties: ['expression'],
  async run(ctx) {
    const timeoutMs = timeoutOf(ctx);
    const raw = rawTypeProperties(ctx);
    const activities = activityList(raw, 'activities');
    const loop = new AbortController();
    const stopTimer = new AbortController();
    ctx.clock.sleep(timeoutMs, AbortSignal.any([stopTimer.signal, ctx.signal])).then(
      () => {
        loop.abort(new Error('The Until timeout ran out.'));
      },
      () => {
        // The loop ended first.
      },
    );
    const timeout = (): ActivityFailure =>
      new ActivityFailure(
        'ActivityTimedOut',
        `The Until activity '${ctx.activity.name}' timed out after ${formatTimespan(timeoutMs)}.`,
      );
    const timedOut = (): boolean => loop.signal.aborted;
    const signal = AbortSignal.any([ctx.signal, loop.signal]);
    try {
      for (let iteration = 1; ; iteration++) {
        const outcome = await ctx.control.runScope(activities, { iteration, signal });
        if (ctx.signal.aborted) throw cancellationReason(ctx.signal);
        if (timedOut()) throw timeout();
        if (requireBoolean(outcome.evaluate(raw.expression), 'Until expression')) {
          requireScopeSuccess(ctx, outcome);
          return {};
        }
        await nextTurn();
        if (timedOut()) throw timeout();
      }
    } finally {
      stopTimer.abort();
    }
  },
};
