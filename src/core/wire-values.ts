/**
 * Lenient reading of request bodies, as Azure's services read them: property names are matched without
 * regard to case (docs send PascalCase, the SDK camelCase), enum values too, numbers may arrive as
 * strings, and timeouts as ISO-8601 durations or plain seconds. Every failure names the field.
 */
import { ValidationError } from './errors.ts';

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of `key` in `obj`, whatever the case of the key. */
export function prop(obj: unknown, key: string): unknown {
  if (!isObject(obj)) return undefined;
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** A scalar as text ('' for objects, arrays and nullish), for lenient reads of enum-like fields. */
export function scalarText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}

export function optionalObject(value: unknown, field: string): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new ValidationError(`'${field}' must be an object.`, field);
  return value;
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ValidationError(`'${field}' must be a string.`, field);
  return value;
}

export function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new ValidationError(`'${field}' must be a map of strings.`, field);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || typeof v === 'object') {
      throw new ValidationError(`'${field}.${k}' must be a string.`, `${field}.${k}`);
    }
    out[k] = scalarText(v);
  }
  return out;
}

export function optionalInteger(
  value: unknown,
  field: string,
  range: { min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new ValidationError(`'${field}' must be a whole number; got ${JSON.stringify(value)}.`, field);
  }
  if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
    const bounds = [
      range.min !== undefined ? `at least ${range.min}` : '',
      range.max !== undefined ? `at most ${range.max}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    throw new ValidationError(`'${field}' must be ${bounds}; got ${n}.`, field);
  }
  return n;
}

/** Matches an enum value case-insensitively and ignoring '_' so `append_row` and `AppendRow` agree. */
export function optionalEnum<T extends string>(
  value: unknown,
  field: string,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const squash = (s: string) => s.replace(/_/g, '').toLowerCase();
  if (typeof value === 'string') {
    const found = allowed.find((a) => squash(a) === squash(value));
    if (found) return found;
  }
  throw new ValidationError(
    `'${field}' must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`,
    field,
  );
}

const ISO_DURATION =
  /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** Seconds from an ISO-8601 duration (`PT30S`, `PT5M`, `P1DT2H`) or a plain number of seconds. */
export function optionalDurationSeconds(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()))) {
    const n = Number(value);
    if (n > 0) return n;
  }
  if (typeof value === 'string') {
    const m = ISO_DURATION.exec(value.trim());
    if (m && value.trim() !== 'P' && value.trim().toUpperCase() !== 'PT') {
      const [, d = '0', h = '0', min = '0', s = '0'] = m;
      const total = Number(d) * 86400 + Number(h) * 3600 + Number(min) * 60 + Number(s);
      if (total > 0) return total;
    }
  }
  throw new ValidationError(
    `'${field}' must be a positive duration such as PT30S or a number of seconds; got ${JSON.stringify(value)}.`,
    field,
  );
}

export function isoDuration(seconds: number): string {
  return `PT${seconds}S`;
}
