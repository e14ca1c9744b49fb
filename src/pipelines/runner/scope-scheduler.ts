/**
 * Runs one activity list (a scope) to completion (spec §2.2): activities whose upstreams have all ended are
 * started together, in definition order; one whose dependency entries are not all satisfied is Skipped,
 * which may in turn settle others. The scope ends when nothing is running and nothing more can start.
 * After cancellation nothing new starts and running activities are left to wind down.
 */
import type { ActivityDefinition } from '../definition/model.ts';
import { entrySatisfied } from './dependency-graph.ts';
import type { TerminalActivityStatus } from './records.ts';

export interface ScopeActions {
  /** Runs an activity whose dependencies are met and resolves with its final status. */
  start(activity: ActivityDefinition): Promise<TerminalActivityStatus>;
  /** Records an activity that will not run because a dependency entry is unsatisfied. */
  skip(activity: ActivityDefinition): void;
  signal: AbortSignal;
}

const key = (name: string): string => name.toLowerCase();

/** Final statuses by lower-cased activity name; activities never reached (cancellation) are absent. */
export async function scheduleScope(
  activities: readonly ActivityDefinition[],
  actions: ScopeActions,
): Promise<Map<string, TerminalActivityStatus>> {
  const statuses = new Map<string, TerminalActivityStatus>();
  const pending = [...activities];
  const running = new Map<string, Promise<void>>();

  const upstreamEnded = (activity: ActivityDefinition): boolean =>
    (activity.dependsOn ?? []).every((d) => statuses.has(key(d.activity)));
  const dependenciesMet = (activity: ActivityDefinition): boolean =>
    (activity.dependsOn ?? []).every((d) => {
      const status = statuses.get(key(d.activity));
      return status !== undefined && entrySatisfied(d, status);
    });

  const startReady = (): void => {
    let settledSome = true;
    while (settledSome) {
      settledSome = false;
      for (const activity of pending.filter(upstreamEnded)) {
        pending.splice(pending.indexOf(activity), 1);
        const k = key(activity.name);
        if (dependenciesMet(activity)) {
          const task = actions.start(activity).then((status) => {
            statuses.set(k, status);
            running.delete(k);
          });
          running.set(k, task);
        } else {
          statuses.set(k, 'Skipped');
          actions.skip(activity);
          settledSome = true;
        }
      }
    }
  };

  for (;;) {
    if (!actions.signal.aborted) startReady();
    if (running.size === 0) return statuses;
    await Promise.race(running.values());
  }
}
