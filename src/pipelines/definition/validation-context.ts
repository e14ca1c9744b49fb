/**
 * What every validation rule works on: the pipeline's activities found once, scope by scope (the top level
 * and each container's nested lists), and a sink that words problems the same way everywhere. A problem on
 * a named activity reads "Activity 'X': <property> <what is wrong and how to fix it>"; an activity without
 * a usable name is pointed at by its JSON path instead.
 */
import { canonicalActivityType, childScopes } from './activity-types.ts';
import type { DefinitionProblem } from './errors.ts';
import { isJsonObject } from './json-text.ts';
import { childPath } from './json-path.ts';

export interface ScopeInfo {
  /** JSON path of the list from `properties`, e.g. `activities[1].typeProperties.activities`. */
  path: string;
  /** "the pipeline's top level", or "the activities of 'Wait for job'". */
  label: string;
  sites: ActivitySite[];
}

export interface ActivitySite {
  activity: Record<string, unknown>;
  /** The name when it is a non-empty string. */
  name: string | undefined;
  /** JSON path of the activity from `properties`. */
  path: string;
  scope: ScopeInfo;
  /** Data Factory's spelling of a known type (any case accepted), else undefined. */
  type: string | undefined;
  /** `state: Inactive` on the activity or a container around it: it never runs. */
  inactive: boolean;
}

export class ProblemSink {
  readonly problems: DefinitionProblem[] = [];

  pipeline(property: string, message: string): void {
    this.problems.push({ property, message });
  }

  /** `text` follows the property: "is required: set …". */
  activity(site: ActivitySite, property: string, text: string): void {
    if (site.name === undefined) {
      const path = childPath(site.path, property);
      this.problems.push({ property: path, message: `properties.${path} ${text}` });
    } else {
      this.problems.push({
        activity: site.name,
        property,
        message: `Activity '${site.name}': ${property} ${text}`,
      });
    }
  }
}

/** Every scope of the pipeline, outermost first; lists that are not arrays and non-objects are reported. */
export function collectScopes(properties: Record<string, unknown>, sink: ProblemSink): ScopeInfo[] {
  const scopes: ScopeInfo[] = [];
  const visit = (list: unknown, path: string, label: string, insideInactive: boolean): void => {
    if (!Array.isArray(list)) {
      sink.pipeline(path, `properties.${path} must be a list of activities.`);
      return;
    }
    const scope: ScopeInfo = { path, label, sites: [] };
    scopes.push(scope);
    list.forEach((activity: unknown, index) => {
      const activityPath = childPath(path, index);
      if (!isJsonObject(activity)) {
        sink.pipeline(
          activityPath,
          `properties.${activityPath} must be an activity object with "name" and "type".`,
        );
        return;
      }
      const rawName = activity['name'];
      const name = typeof rawName === 'string' && rawName !== '' ? rawName : undefined;
      const type = canonicalActivityType(activity['type']);
      const inactive = insideInactive || activity['state'] === 'Inactive';
      scope.sites.push({ activity, name, path: activityPath, scope, type, inactive });
      for (const child of childScopes(activity)) {
        const owner = name === undefined ? activityPath : `'${name}'`;
        visit(
          child.activities,
          `${activityPath}.${child.property}`,
          `the ${child.label} of ${owner}`,
          inactive,
        );
      }
    });
  };
  visit(properties['activities'], 'activities', "the pipeline's top level", false);
  return scopes;
}

export function allSites(scopes: ScopeInfo[]): ActivitySite[] {
  return scopes.flatMap((scope) => scope.sites);
}

/** Reads `typeProperties` as an object (an empty one when absent or of another kind). */
export function typeProperties(site: ActivitySite): Record<string, unknown> {
  const value = site.activity['typeProperties'];
  return isJsonObject(value) ? value : {};
}

/** Words a value in a message: strings quoted, objects and lists named by kind. */
export function shown(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}

/** "a, b or c" for messages listing the allowed values. */
export function oneOf(values: readonly string[]): string {
  return values.length <= 1
    ? (values[0] ?? '')
    : `${values.slice(0, -1).join(', ')} or ${values.at(-1) ?? ''}`;
}
