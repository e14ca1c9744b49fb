/**
 * Placeholders in a schedule's invocation, replaced at each firing so every run writes a new output file:
 * `{date}` (2026-12-05), `{time}` (02-00), `{datetime}` (20261205T0200), `{year}`, `{month}`, `{day}`,
 * `{hour}`, `{minute}` and `{schedule}` (its name). Times are the SCHEDULED time on the wall clock of the
 * schedule's zone, not the moment the server got round to firing, so a late or recovered firing writes
 * where the on-time one would have. `{time}` uses '-' because ':' is not safe in every store's paths.
 */
import { ValidationError } from '../../core/errors.ts';
import { ZoneClock, wallFields } from '../../core/time-zones/zone-clock.ts';

const PLACEHOLDERS = [
  'date',
  'time',
  'datetime',
  'year',
  'month',
  'day',
  'hour',
  'minute',
  'schedule',
] as const;

const PATTERN = /\{([A-Za-z_]+)\}/g;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The placeholder values for one occurrence. */
export function placeholderValues(
  scheduledMs: number,
  timeZone: string,
  schedule: string,
): Record<string, string> {
  const zone = ZoneClock.resolve(timeZone) ?? ZoneClock.resolve('UTC');
  const f = wallFields(zone ? zone.toWall(scheduledMs) : scheduledMs);
  const date = `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}`;
  return {
    date,
    time: `${pad(f.hour)}-${pad(f.minute)}`,
    datetime: `${pad(f.year, 4)}${pad(f.month)}${pad(f.day)}T${pad(f.hour)}${pad(f.minute)}`,
    year: pad(f.year, 4),
    month: pad(f.month),
    day: pad(f.day),
    hour: pad(f.hour),
    minute: pad(f.minute),
    schedule,
  };
}

/** Throws, naming the field, when a string holds a `{word}` that is no placeholder. */
export function checkPlaceholders(value: unknown, field: string): void {
  if (typeof value === 'string') {
    for (const match of value.matchAll(PATTERN)) {
      const name = match[1] ?? '';
      if (!(PLACEHOLDERS as readonly string[]).includes(name.toLowerCase())) {
        throw new ValidationError(
          `'${field}' uses an unknown placeholder {${name}}; use one of ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}.`,
          field,
        );
      }
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      checkPlaceholders(v, `${field}[${i}]`);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) checkPlaceholders(v, `${field}.${k}`);
  }
}

/** A copy of `value` with every placeholder in every string replaced. */
export function expandPlaceholders<T>(value: T, values: Record<string, string>): T {
  if (typeof value === 'string')
    return value.replace(PATTERN, (whole, name: string) => values[name.toLowerCase()] ?? whole) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => expandPlaceholders(v, values)) as T;
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandPlaceholders(v, values)])) as T;
  return value;
}
