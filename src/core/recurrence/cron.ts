/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), as Azure ML's schedule
 * `cron` trigger takes them, evaluated on the wall clock of a time zone. Fields take `*`, lists, ranges,
 * steps and month or day names; when both day fields are restricted a day matching either fires, as in
 * Vixie cron. A time the clocks skip fires at the end of the gap; one they pass twice fires once.
 */
import { ValidationError } from '../errors.ts';
import { ZoneClock, daysInMonth, wallFields } from '../time-zones/zone-clock.ts';
import { instantOf, type FireTimes } from './recurrence.ts';

const DAY_MS = 86_400_000;
const SEARCH_DAYS = 366 * 8;
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldRule {
  label: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** The first name's number (1 for months, 0 for days). */
  nameBase?: number;
}

const FIELDS: readonly FieldRule[] = [
  { label: 'minute', min: 0, max: 59 },
  { label: 'hour', min: 0, max: 23 },
  { label: 'day of month', min: 1, max: 31 },
  { label: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  // 7 is Sunday too.
  { label: 'day of week', min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

interface CronField {
  values: Set<number>;
  /** `*` (or `?`): the field does not restrict. */
  any: boolean;
}

function fieldError(field: string, rule: FieldRule, part: string): ValidationError {
  return new ValidationError(
    `${field}: '${part}' is not a valid ${rule.label} (${rule.min}-${rule.max}` +
      `${rule.names ? `, or ${rule.names[0] ?? ''}-${rule.names.at(-1) ?? ''}` : ''}); ` +
      'a cron expression is "minute hour day-of-month month day-of-week", e.g. "0 2 * * *" for 02:00 daily.',
    field,
  );
}

function atom(text: string, rule: FieldRule, field: string): number {
  const named = rule.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + (rule.nameBase ?? 0);
  if (!/^\d+$/.test(text)) throw fieldError(field, rule, text);
  const value = Number(text);
  if (value < rule.min || value > rule.max) throw fieldError(field, rule, text);
  return value;
}

function parseField(text: string, rule: FieldRule, field: string): CronField {
  const values = new Set<number>();
  let any = false;
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw fieldError(field, rule, part);
    let low: number;
    let high: number;
    if (range === '*' || range === '?') {
      [low, high] = [rule.min, rule.max];
      if (stepText === undefined) any = true;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [low, high] = [atom(a, rule, field), atom(b, rule, field)];
      if (low > high) throw fieldError(field, rule, part);
    } else {
      low = atom(range, rule, field);
      high = stepText === undefined ? low : rule.max;
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return { values, any };
}

export interface CronExpression {
  minutes: number[];
  hours: number[];
  daysOfMonth: CronField;
  months: Set<number>;
  daysOfWeek: CronField;
}

/** Parses a five-field expression; errors name `field` and show the expected form. */
export function parseCron(expression: string, field: string): CronExpression {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new ValidationError(
      `${field}: '${expression}' has ${String(parts.length)} fields; a cron expression has five: ` +
        '"minute hour day-of-month month day-of-week", e.g. "0 2 * * *" for 02:00 daily.',
      field,
    );
  }
  const [minute, hour, dom, month, dow] = parts.map((part, i) =>
    parseField(part, FIELDS[i] as FieldRule, field),
  ) as [CronField, CronField, CronField, CronField, CronField];
  if (dow.values.has(7)) dow.values.add(0);
  const sorted = (f: CronField): number[] => [...f.values].sort((a, b) => a - b);
  return {
    minutes: sorted(minute),
    hours: sorted(hour),
    daysOfMonth: dom,
    months: month.values,
    daysOfWeek: dow,
  };
}

function dayMatches(cron: CronExpression, dayWall: number): boolean {
  const fields = wallFields(dayWall);
  if (!cron.months.has(fields.month)) return false;
  if (fields.day > daysInMonth(fields.year, fields.month)) return false;
  const byMonthDay = cron.daysOfMonth.values.has(fields.day);
  const byWeekDay = cron.daysOfWeek.values.has(fields.weekDay);
  if (cron.daysOfMonth.any) return byWeekDay;
  if (cron.daysOfWeek.any) return byMonthDay;
  return byMonthDay || byWeekDay;
}

/** Fire times of a cron expression in a zone, between optional start and end times. */
export function cronFireTimes(
  expression: string,
  options: { timeZone?: string; startTime?: string; endTime?: string } = {},
  field = 'expression',
): FireTimes {
  const cron = parseCron(expression, field);
  const zone = ZoneClock.resolve(options.timeZone ?? 'UTC');
  if (zone === undefined) throw new RangeError(`unknown time zone ${options.timeZone ?? ''}`);
  const start =
    options.startTime === undefined ? Number.NEGATIVE_INFINITY : instantOf(options.startTime, zone);
  const end = options.endTime === undefined ? Number.POSITIVE_INFINITY : instantOf(options.endTime, zone);
  return {
    nextAfter(afterMs: number): number | undefined {
      const after = Math.max(afterMs, start - 1);
      const firstDay = Math.floor(zone.toWall(after) / DAY_MS);
      for (let day = firstDay; day < firstDay + SEARCH_DAYS; day++) {
        const dayWall = day * DAY_MS;
        if (!dayMatches(cron, dayWall)) continue;
        for (const hour of cron.hours) {
          for (const minute of cron.minutes) {
            const at = zone.toInstant(dayWall + (hour * 60 + minute) * 60_000);
            if (at > after) return at > end ? undefined : at;
          }
        }
      }
      return undefined;
    },
  };
}
