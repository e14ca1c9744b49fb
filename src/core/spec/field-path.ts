/**
 * Dotted field paths (`settings.retry_settings.max_retries`, `inputs.data.path`, `items[0].name`) and
 * the `--set path=value` overrides that az applies to a loaded YAML document before validating it.
 *
 * A `--set` value is read as one YAML scalar, so `5` becomes a number and `true` a boolean, exactly as
 * the same text would in the file; anything that would parse to a mapping or a list stays the literal
 * text, because az only ever sets leaves. Overrides create missing parent mappings, the way
 * `--set defaults.deployment_name=blue` works on an endpoint file that has no `defaults:` block.
 */
import { parse } from 'yaml';

export type FieldPathSegment = string | number;

/** Keys that would reach Object.prototype when assigned with `obj[key] = v`. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const NULL_LITERAL = /^(?:~|null|Null|NULL)$/;

/** Splits `a.b[0].c` into `['a', 'b', 0, 'c']`; undefined when the path is malformed. */
export function parseFieldPath(path: string): FieldPathSegment[] | undefined {
  const segments: FieldPathSegment[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (match === null) return undefined;
    const [, key = '', indices = ''] = match;
    if (key === '' && (indices === '' || segments.length === 0)) return undefined;
    if (key !== '') segments.push(key);
    for (const index of indices.matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

/** Canonical dotted form used to compare paths, so `a[0].b` and `a.0.b` are the same field. */
export function fieldPathKey(segments: readonly FieldPathSegment[]): string {
  return segments.map(String).join('.');
}

/** Reads a `--set` value the way the same text would read as a YAML scalar. */
export function parseSetValue(raw: string): unknown {
  if (raw.trim() === '') return raw;
  let value: unknown;
  try {
    value = parse(raw, { logLevel: 'error' });
  } catch {
    return raw;
  }
  if (value === null) return NULL_LITERAL.test(raw.trim()) ? null : raw;
  if (typeof value === 'object') return raw;
  if (typeof value === 'number' && !Number.isFinite(value)) return raw;
  return value;
}

export interface ParsedOverride {
  path: string;
  segments: FieldPathSegment[];
  value: unknown;
}

/** Parses one `path=value` expression; returns a reason string when it is malformed. */
export function parseOverride(expression: string): ParsedOverride | string {
  const eq = expression.indexOf('=');
  if (eq <= 0) return `expected 'path=value', got '${expression}'`;
  const path = expression.slice(0, eq);
  const segments = parseFieldPath(path);
  if (segments === undefined) return `'${path}' is not a valid field path`;
  const forbidden = segments.find((s) => typeof s === 'string' && FORBIDDEN_KEYS.has(s));
  if (forbidden !== undefined) return `'${String(forbidden)}' cannot be set`;
  return { path, segments, value: parseSetValue(expression.slice(eq + 1)) };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return `a ${typeof value}`;
}

function arrayIndex(segment: FieldPathSegment, length: number): number | undefined {
  const index = typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : NaN;
  return Number.isInteger(index) && index <= length ? index : undefined;
}

/**
 * Assigns `value` at `segments` inside `root`, creating missing mappings on the way. Returns a reason
 * string when the path runs into a scalar or past the end of a list, so nothing is half-applied.
 */
export function setAtPath(
  root: Record<string, unknown>,
  segments: readonly FieldPathSegment[],
  value: unknown,
): string | undefined {
  let container: Record<string, unknown> | unknown[] = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as FieldPathSegment;
    const last = i === segments.length - 1;
    const here = fieldPathKey(segments.slice(0, i));
    if (Array.isArray(container)) {
      const index = arrayIndex(segment, container.length);
      if (index === undefined) return `'${here}' is a list of ${container.length}; no index ${segment}`;
      if (last) {
        container[index] = value;
        return undefined;
      }
      const child: unknown = container[index];
      if (child === undefined || child === null) container[index] = {};
      else if (typeof child !== 'object') return `'${here}.${index}' is ${describe(child)}, not a mapping`;
      container = container[index] as Record<string, unknown> | unknown[];
      continue;
    }
    const key = String(segment);
    if (last) {
      container[key] = value;
      return undefined;
    }
    const child = container[key];
    if (child === undefined || child === null) container[key] = {};
    else if (typeof child !== 'object') {
      return `'${fieldPathKey(segments.slice(0, i + 1))}' is ${describe(child)}, not a mapping`;
    }
    container = container[key] as Record<string, unknown> | unknown[];
  }
  return undefined;
}

/** Reads the value at `segments`, or undefined when any step is missing. */
export function getAtPath(root: unknown, segments: readonly FieldPathSegment[]): unknown {
  let current: unknown = root;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      const index = arrayIndex(segment, current.length - 1);
      if (index === undefined) return undefined;
      current = current[index];
    } else if (isPlainObject(current)) {
      current = Object.hasOwn(current, String(segment)) ? current[String(segment)] : undefined;
    } else {
      return undefined;
    }
  }
  return current;
}
