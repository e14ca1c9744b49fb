/**
 * How a scope's status is derived from its activities (spec §2.4), as a pure function reused for the
 * pipeline, Until iterations, ForEach iterations, If/Switch branches and child pipelines: take the leaves
 * (activities nothing depends on); for a skipped one look at its parents instead, repeatedly; the scope
 * succeeded iff every node looked at succeeded.
 */
import type { ActivityDefinition } from '../definition/model.ts';
import type { TerminalActivityStatus } from './records.ts';

export interface LeafRuleVerdict {
  status: 'Succeeded' | 'Failed';
  /** The evaluated nodes that did not succeed, in definition order (the first names the failure). */
  failedActivities: string[];
}

const key = (name: string): string => name.toLowerCase();

/**
 * `statusOf` gives an activity's final status by name; undefined means it never ended (a cancelled scope),
 * which counts as not succeeded. Dependencies on names outside `activities` are ignored.
 */
export function applyLeafRule(
  activities: readonly ActivityDefinition[],
  statusOf: (name: string) => TerminalActivityStatus | undefined,
): LeafRuleVerdict {
  const byName = new Map(activities.map((a) => [key(a.name), a]));
  const hasDependents = new Set<string>();
  for (const activity of activities) {
    for (const dependency of activity.dependsOn ?? []) hasDependents.add(key(dependency.activity));
  }
  const evaluated = new Set<string>();
  const visit = (name: string): void => {
    const k = key(name);
    if (evaluated.has(k)) return;
    evaluated.add(k);
    if (statusOf(name) !== 'Skipped') return;
    for (const dependency of byName.get(k)?.dependsOn ?? []) {
      if (byName.has(key(dependency.activity))) visit(dependency.activity);
    }
  };
  for (const activity of activities) {
    if (!hasDependents.has(key(activity.name))) visit(activity.name);
  }
  const failedActivities = activities
    .filter((a) => evaluated.has(key(a.name)))
    .filter((a) => {
      const status = statusOf(a.name);
      return status !== 'Succeeded' && status !== 'Skipped';
    })
    .map((a) => a.name);
  return { status: failedActivities.length === 0 ? 'Succeeded' : 'Failed', failedActivities };
}
