/**
 * The dependency rules inside one scope (spec §2.2): conditions within an entry are OR'ed, entries are
 * AND'ed, `Completed` means Succeeded or Failed, and `Skipped` matches only Skipped. The loader already
 * rejects bad graphs; the runner checks again because a definition can reach it by other routes (the REST
 * API, tests), and an unresolvable graph would otherwise stall the scope forever.
 */
import type { ActivityDefinition, ActivityDependency } from '../definition/model.ts';
import type { TerminalActivityStatus } from './records.ts';

const CONDITIONS = new Set(['Succeeded', 'Failed', 'Skipped', 'Completed']);

const key = (name: string): string => name.toLowerCase();

export function conditionMatches(condition: string, status: TerminalActivityStatus): boolean {
  if (condition === 'Completed') return status === 'Succeeded' || status === 'Failed';
  return condition === status;
}

/** Whether one dependency entry is satisfied by its upstream's final status (conditions OR'ed). */
export function entrySatisfied(dependency: ActivityDependency, status: TerminalActivityStatus): boolean {
  return dependency.dependencyConditions.some((c) => conditionMatches(c, status));
}

/** Problems that would keep a scope from being scheduled: duplicates, unknown names, cycles, bad conditions. */
export function scopeGraphProblems(activities: readonly ActivityDefinition[]): string[] {
  const problems: string[] = [];
  const names = new Map<string, ActivityDefinition>();
  for (const activity of activities) {
    if (names.has(key(activity.name)))
      problems.push(`Activity name '${activity.name}' is used more than once.`);
    names.set(key(activity.name), activity);
  }
  for (const activity of activities) {
    for (const dependency of activity.dependsOn ?? []) {
      if (!names.has(key(dependency.activity))) {
        problems.push(
          `Activity '${activity.name}' depends on '${dependency.activity}', which is not in the same scope.`,
        );
      }
      for (const condition of dependency.dependencyConditions) {
        if (!CONDITIONS.has(condition)) {
          problems.push(`Activity '${activity.name}' has an unknown dependency condition '${condition}'.`);
        }
      }
    }
  }
  const cycle = findCycle(names);
  if (cycle !== undefined)
    problems.push(`Activities depend on each other in a cycle: ${cycle.join(' -> ')}.`);
  return problems;
}

function findCycle(names: Map<string, ActivityDefinition>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (k: string): string[] | undefined => {
    const activity = names.get(k);
    if (activity === undefined || state.get(k) === 'done') return undefined;
    if (state.get(k) === 'visiting') {
      const start = path.findIndex((n) => key(n) === k);
      return [...path.slice(start), activity.name];
    }
    state.set(k, 'visiting');
    path.push(activity.name);
    for (const dependency of activity.dependsOn ?? []) {
      const found = visit(key(dependency.activity));
      if (found) return found;
    }
    path.pop();
    state.set(k, 'done');
    return undefined;
  };
  for (const k of names.keys()) {
    const found = visit(k);
    if (found) return found;
  }
  return undefined;
}
