/**
 * Refuses a pipeline document nested deeper than MAX_NESTING before anything walks it: the loader's ARM
 * resolution, validation, expression checks, redaction and the runner all recurse over definitions. The
 * message names the innermost activity on the way down (any object with a `name` in a list under a key
 * containing "activities") and the property path from it, like every other definition problem; the
 * SecureString checks name places the same way.
 */
import { formatPath, MAX_NESTING, pathTooDeep } from '../nesting.ts';
import { PipelineDefinitionError } from './errors.ts';

export interface Place {
  activity: string | undefined;
  property: (string | number)[];
}

/** The innermost activity on `path` inside `document`, and the rest of the path after it. */
export function locateInDefinition(document: unknown, path: readonly (string | number)[]): Place {
  let place: Place = { activity: undefined, property: [...path] };
  let value = document;
  for (const [index, key] of path.entries()) {
    const parentKey = path[index - 1];
    value = (value as Record<string | number, unknown>)[key];
    const name = (value as { name?: unknown } | null)?.name;
    const inActivityList =
      typeof key === 'number' && typeof parentKey === 'string' && /activities/i.test(parentKey);
    if (inActivityList && typeof name === 'string') {
      place = { activity: name, property: path.slice(index + 1) };
    }
  }
  return place;
}

/** Throws a 400 naming the activity and property where `document` nests deeper than the limit. */
export function assertDefinitionNesting(document: unknown, fileName: string): void {
  const path = pathTooDeep(document);
  if (path === undefined) return;
  const { activity, property } = locateInDefinition(document, path);
  const where = formatPath(property);
  const message =
    `${activity === undefined ? '' : `Activity '${activity}': `}${where === '' ? 'the document' : where} ` +
    `nests deeper than ${MAX_NESTING} levels of objects and arrays, the limit for pipeline JSON; flatten it.`;
  throw new PipelineDefinitionError(`${fileName} is not valid: ${message}`, [
    activity === undefined ? { property: where, message } : { activity, property: where, message },
  ]);
}
