/**
 * Rules on activities as nodes of the dependency graph (spec §1.2, §1.5, §2.2): names (length, forbidden
 * characters, unique ignoring case across the whole pipeline, nested containers included), known types,
 * `state`, and `dependsOn` edges that name a sibling in the same scope with exact condition names and no
 * cycle. Names in `dependsOn` must match exactly; a near miss in case gets a "did you mean".
 */
import { OTHER_ACTIVITY_TYPES, canonicalActivityType } from './activity-types.ts';
import { isJsonObject } from './json-text.ts';
import { oneOf, shown, type ActivitySite, type ProblemSink, type ScopeInfo } from './validation-context.ts';

const MAX_ACTIVITY_NAME = 55;
const FORBIDDEN_NAME_CHARACTERS = ['.', '+', '?', '/', '<', '>', '*', '%', '&', ':', '\\'];
const CONDITIONS = ['Succeeded', 'Failed', 'Skipped', 'Completed'];
const STATES = ['Active', 'Inactive'];
const INACTIVE_MARKS = ['Succeeded', 'Failed', 'Skipped'];

export function checkNamesAndTypes(
  scopes: ScopeInfo[],
  runnable: readonly string[],
  sink: ProblemSink,
): void {
  const seen = new Map<string, ActivitySite>();
  for (const site of scopes.flatMap((scope) => scope.sites)) {
    checkName(site, sink);
    if (site.name !== undefined) {
      const first = seen.get(site.name.toLowerCase());
      if (first === undefined) seen.set(site.name.toLowerCase(), site);
      else {
        const where = first.scope === site.scope ? 'in the same scope' : `in ${first.scope.label}`;
        sink.activity(
          site,
          'name',
          `repeats the name of activity '${first.name ?? ''}' ${where}; activity names must be unique across the whole pipeline, ignoring case: rename one.`,
        );
      }
    }
    checkType(site, runnable, sink);
    checkState(site, sink);
  }
}

function checkName(site: ActivitySite, sink: ProblemSink): void {
  const name = site.activity['name'];
  if (typeof name !== 'string' || name === '') {
    sink.activity(site, 'name', 'is required: give every activity a name.');
    return;
  }
  if (name.length > MAX_ACTIVITY_NAME) {
    sink.activity(
      site,
      'name',
      `is ${name.length} characters long; activity names have at most ${MAX_ACTIVITY_NAME}.`,
    );
  }
  const bad = FORBIDDEN_NAME_CHARACTERS.filter((char) => name.includes(char));
  if (bad.length > 0) {
    sink.activity(
      site,
      'name',
      `contains ${bad.map((char) => `'${char}'`).join(', ')}; activity names may not contain ${FORBIDDEN_NAME_CHARACTERS.join(' ')}.`,
    );
  }
}

function checkType(site: ActivitySite, runnable: readonly string[], sink: ProblemSink): void {
  const type = site.activity['type'];
  if (typeof type !== 'string' || type === '') {
    sink.activity(site, 'type', `is required: set it to one of ${oneOf(runnable)}.`);
    return;
  }
  if (site.inactive || canonicalActivityType(type, runnable) !== undefined) return;
  const other = canonicalActivityType(type, OTHER_ACTIVITY_TYPES);
  const supported = `Nightshift runs ${oneOf(runnable)}`;
  if (other !== undefined) {
    sink.activity(
      site,
      'type',
      `is '${other}', a Data Factory activity that Nightshift cannot run; ${supported}.`,
    );
  } else {
    const hint = type.toLowerCase() === 'web' ? " (did you mean 'WebActivity'?)" : '';
    sink.activity(site, 'type', `'${type}' is not a known activity type${hint}; ${supported}.`);
  }
}

function checkState(site: ActivitySite, sink: ProblemSink): void {
  const state = site.activity['state'];
  if (state !== undefined && !STATES.includes(state as string)) {
    sink.activity(site, 'state', `is ${shown(state)}; use ${oneOf(STATES)} (exact spelling).`);
  }
  const mark = site.activity['onInactiveMarkAs'];
  if (mark !== undefined && !INACTIVE_MARKS.includes(mark as string)) {
    sink.activity(
      site,
      'onInactiveMarkAs',
      `is ${shown(mark)}; use ${oneOf(INACTIVE_MARKS)} (exact spelling).`,
    );
  }
}

/** dependsOn entries of every activity, then cycles scope by scope. */
export function checkDependencies(scopes: ScopeInfo[], sink: ProblemSink): void {
  const scopeOf = new Map<string, ScopeInfo>();
  for (const scope of scopes)
    for (const site of scope.sites) if (site.name !== undefined) scopeOf.set(site.name.toLowerCase(), scope);
  for (const scope of scopes) {
    for (const site of scope.sites) checkDependsOn(site, scopeOf, sink);
    checkCycles(scope, sink);
  }
}

function checkDependsOn(site: ActivitySite, scopeOf: Map<string, ScopeInfo>, sink: ProblemSink): void {
  const dependsOn = site.activity['dependsOn'];
  if (dependsOn === undefined) return;
  if (!Array.isArray(dependsOn)) {
    sink.activity(site, 'dependsOn', 'must be a list of {"activity", "dependencyConditions"} entries.');
    return;
  }
  dependsOn.forEach((entry: unknown, index) => {
    const at = `dependsOn[${index}]`;
    if (!isJsonObject(entry) || typeof entry['activity'] !== 'string') {
      sink.activity(site, `${at}.activity`, 'is required: name the activity this one waits for.');
      return;
    }
    checkTarget(site, entry['activity'], `${at}.activity`, scopeOf, sink);
    checkConditions(site, entry['dependencyConditions'], `${at}.dependencyConditions`, sink);
  });
}

function checkTarget(
  site: ActivitySite,
  target: string,
  property: string,
  scopeOf: Map<string, ScopeInfo>,
  sink: ProblemSink,
): void {
  if (site.scope.sites.some((sibling) => sibling.name === target)) return;
  const nearMiss = site.scope.sites.find((sibling) => sibling.name?.toLowerCase() === target.toLowerCase());
  if (nearMiss !== undefined) {
    sink.activity(
      site,
      property,
      `names '${target}', but the activity is spelled '${nearMiss.name ?? ''}'; names in dependsOn must match exactly.`,
    );
    return;
  }
  const elsewhere = scopeOf.get(target.toLowerCase());
  if (elsewhere !== undefined) {
    sink.activity(
      site,
      property,
      `names '${target}', which is in ${elsewhere.label}, not in ${site.scope.label}; an activity can only depend on activities in its own list.`,
    );
    return;
  }
  sink.activity(
    site,
    property,
    `names '${target}', but the pipeline has no activity of that name; fix the name or remove the dependency.`,
  );
}

function checkConditions(site: ActivitySite, conditions: unknown, property: string, sink: ProblemSink): void {
  if (!Array.isArray(conditions) || conditions.length === 0) {
    sink.activity(site, property, `must list at least one of ${oneOf(CONDITIONS)}.`);
    return;
  }
  conditions.forEach((condition: unknown, index) => {
    if (typeof condition === 'string' && CONDITIONS.includes(condition)) return;
    const fixed =
      typeof condition === 'string'
        ? CONDITIONS.find((known) => known.toLowerCase() === condition.toLowerCase())
        : undefined;
    const hint = fixed === undefined ? `use ${oneOf(CONDITIONS)}` : `write '${fixed}' (exact spelling)`;
    sink.activity(
      site,
      `${property}[${index}]`,
      `is ${shown(condition)}, not a dependency condition; ${hint}.`,
    );
  });
}

/** Depth-first search over the scope's edges; each cycle is reported once, on its first activity. */
function checkCycles(scope: ScopeInfo, sink: ProblemSink): void {
  const byName = new Map(
    scope.sites.flatMap((site) => (site.name === undefined ? [] : [[site.name, site] as const])),
  );
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'visiting');
    stack.push(name);
    for (const next of upstreamNames(byName.get(name))) {
      if (!byName.has(next)) continue;
      if (state.get(next) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        const site = byName.get(next);
        if (site !== undefined) {
          sink.activity(
            site,
            'dependsOn',
            `is part of a dependency cycle: ${cycle.map((item) => `'${item}'`).join(' waits for ')}; remove one of these dependencies.`,
          );
        }
      } else if (state.get(next) === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of byName.keys()) if (state.get(name) === undefined) visit(name);
}

function upstreamNames(site: ActivitySite | undefined): string[] {
  const dependsOn = site?.activity['dependsOn'];
  if (!Array.isArray(dependsOn)) return [];
  return dependsOn.flatMap((entry: unknown) =>
    isJsonObject(entry) && typeof entry['activity'] === 'string' ? [entry['activity']] : [],
  );
}
