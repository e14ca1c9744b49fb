/**
 * Typed reading of the fields of a loaded YAML spec, the checks az's schemas make before anything is
 * sent: unknown fields are refused, and each value must have its field's type. Every failure is a
 * SpecError carrying the file, line and field (specFieldError), so a typo points at its line, and an
 * unknown field close to an allowed one (`endpont_name`) gets a "did you mean".
 *
 * Numbers may be written as numeric strings (`mini_batch_size: "5"`), which az's schemas accept too.
 */
import { existsSync, statSync } from 'node:fs';
import { getAtPath, parseFieldPath } from '../../core/spec/field-path.ts';
import { isRemoteReference, resolveLocalPath } from '../../core/spec/local-path.ts';
import { specFieldError, type YamlSpecSource } from '../../core/spec/yaml-source.ts';

export type SpecMap = Record<string, unknown>;

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

function isMap(value: unknown): value is SpecMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a dotted path of the document (`settings.retry_settings.timeout`). */
export function fieldValue(source: YamlSpecSource, path: string): unknown {
  return getAtPath(source.doc, parseFieldPath(path) ?? []);
}

/** True when the field is present and not null. */
export function hasField(source: YamlSpecSource, path: string): boolean {
  const value = fieldValue(source, path);
  return value !== undefined && value !== null;
}

/** Edit distance with adjacent transpositions (optimal string alignment): `enpdoint` is one from `endpoint`. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      const row = d[i];
      if (row) row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The allowed name a typo most likely meant: at most two edits away (one for short names), else none. */
export function closestField(key: string, allowed: readonly string[]): string | undefined {
  const limit = key.length <= 4 ? 1 : 2;
  let best: { name: string; d: number } | undefined;
  for (const name of allowed) {
    const d = distance(key.toLowerCase(), name.toLowerCase());
    if (d <= limit && (best === undefined || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/**
 * Refuses any key of the mapping at `prefix` ('' for the top level) that is not in `allowed`, naming
 * the closest allowed field when there is one, and a `prefix` field that is present but not a mapping.
 */
export function refuseUnknownFields(
  source: YamlSpecSource,
  prefix: string,
  allowed: readonly string[],
): void {
  const value = prefix ? optionalMap(source, prefix) : source.doc;
  if (!value) return;
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const where = prefix ? ` in '${prefix}'` : '';
      const meant = closestField(key, allowed);
      const hint = meant === undefined ? '' : ` (did you mean '${meant}'?)`;
      throw specFieldError(
        source,
        join(prefix, key),
        `unknown field${where}${hint}; allowed fields are ${allowed.join(', ')}`,
      );
    }
  }
}

export function optionalMap(source: YamlSpecSource, path: string): SpecMap | undefined {
  const value = fieldValue(source, path);
  if (value === undefined || value === null) return undefined;
  if (!isMap(value)) throw specFieldError(source, path, `must be a mapping, got ${describe(value)}`);
  return value;
}

export function optionalString(source: YamlSpecSource, path: string): string | undefined {
  const value = fieldValue(source, path);
  if (value === undefined || value === null) return undefined;
  // A bare number or boolean is text to az (`version: 1`, `tags.x: 5`).
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string')
    throw specFieldError(source, path, `must be a string, got ${describe(value)}`);
  return value;
}

export function requiredString(source: YamlSpecSource, path: string, hint = ''): string {
  const value = optionalString(source, path);
  if (value === undefined || value === '')
    throw specFieldError(source, path, `is required${hint ? `: ${hint}` : ''}`);
  return value;
}

export function optionalInteger(
  source: YamlSpecSource,
  path: string,
  range: { min?: number; max?: number } = {},
): number | undefined {
  const value = fieldValue(source, path);
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw specFieldError(source, path, `must be a whole number, got ${JSON.stringify(value)}`);
  }
  if (range.min !== undefined && n < range.min)
    throw specFieldError(source, path, `must be at least ${range.min}, got ${n}`);
  if (range.max !== undefined && n > range.max)
    throw specFieldError(source, path, `must be at most ${range.max}, got ${n}`);
  return n;
}

/** Positive number of seconds (az writes `timeout: 30`). */
export function optionalSeconds(source: YamlSpecSource, path: string): number | undefined {
  const value = fieldValue(source, path);
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw specFieldError(source, path, `must be a positive number of seconds, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Maps a YAML spelling (`append_row`) to its wire spelling (`AppendRow`), case-insensitively. */
export function optionalEnum<T extends string>(
  source: YamlSpecSource,
  path: string,
  values: Readonly<Record<string, T>>,
): T | undefined {
  const text = optionalString(source, path);
  if (text === undefined) return undefined;
  const found = Object.entries(values).find(([yaml]) => yaml.toLowerCase() === text.toLowerCase());
  if (!found)
    throw specFieldError(source, path, `must be one of ${Object.keys(values).join(', ')}, got '${text}'`);
  return found[1];
}

/** A map of strings (tags, properties, environment variables); scalar values become text. */
export function optionalStringMap(source: YamlSpecSource, path: string): Record<string, string> | undefined {
  const map = optionalMap(source, path);
  if (!map) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw specFieldError(source, join(path, key), `must be a string, got ${describe(value)}`);
    }
    out[key] = String(value);
  }
  return out;
}

/** Where a path-valued field points: an existing local file or folder, or a remote reference. */
export type PathValue =
  { kind: 'local'; path: string; isFolder: boolean; given: string } | { kind: 'remote'; uri: string };

/** Reads a path field; a local path resolves against the YAML folder and must exist. */
export function pathField(source: YamlSpecSource, path: string, hint = ''): PathValue {
  const given = requiredString(source, path, hint);
  if (isRemoteReference(given)) return { kind: 'remote', uri: given };
  const local = resolveLocalPath(source, given);
  if (!existsSync(local)) {
    throw specFieldError(source, path, `local path '${given}' does not exist (looked for ${local})`);
  }
  return { kind: 'local', path: local, isFolder: statSync(local).isDirectory(), given };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (isMap(value)) return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
