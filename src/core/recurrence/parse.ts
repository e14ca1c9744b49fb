/**
 * Reads the two spellings of "when to fire" users bring: Data Factory's ScheduleTrigger `recurrence`
 * (camelCase JSON) and Azure ML's schedule YAML `trigger:` block (snake_case, `type: cron` or
 * `type: recurrence`). Every error names the field and says what would be accepted.
 */
import { ValidationError } from '../errors.ts';
import { ZoneClock } from '../time-zones/zone-clock.ts';
import { cronFireTimes } from './cron.ts';
import {
  FREQUENCIES,
  WEEK_DAYS,
  recurrenceFireTimes,
  type FireTimes,
  type Frequency,
  type Recurrence,
  type RecurrenceSchedule,
  type WeekDay,
} from './recurrence.ts';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function caseless<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  if (typeof value !== 'string') return undefined;
  return allowed.find((a) => a.toLowerCase() === value.toLowerCase());
}

function frequencyOf(value: unknown, field: string): Frequency {
  const frequency = caseless(value, FREQUENCIES);
  if (frequency === undefined) {
    throw new ValidationError(`${field} must be one of ${FREQUENCIES.join(', ')}.`, field);
  }
  return frequency;
}

function intervalOf(value: unknown, field: string): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValidationError(
      `${field} must be a whole number of 1 or more (how many periods apart).`,
      field,
    );
  }
  return value;
}

function timeOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new ValidationError(
      `${field} must be an ISO 8601 time such as "2027-01-01T02:00:00" (wall time in the time zone) ` +
        'or "2027-01-01T01:00:00Z".',
      field,
    );
  }
  return value;
}

function zoneOf(value: unknown, field: string): string {
  if (value === undefined) return 'UTC';
  if (typeof value !== 'string' || ZoneClock.resolve(value) === undefined) {
    throw new ValidationError(
      `${field}: ${JSON.stringify(value)} is not a known time zone; use a Windows id such as ` +
        '"W. Europe Standard Time" or "Pacific Standard Time", or an IANA id such as "Europe/Berlin".',
      field,
    );
  }
  return value;
}

function numbersOf(value: unknown, field: string, min: number, max: number): number[] | undefined {
  if (value === undefined) return undefined;
  const ok =
    Array.isArray(value) &&
    value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max);
  if (!ok)
    throw new ValidationError(`${field} must be a list of whole numbers from ${min} to ${max}.`, field);
  return value as number[];
}

function weekDayOf(value: unknown, field: string): WeekDay {
  const day = caseless(value, WEEK_DAYS);
  if (day === undefined)
    throw new ValidationError(`${field} must be a week day name (Monday ... Sunday).`, field);
  return day;
}

function scheduleOf(value: unknown, field: string, names: ScheduleNames): RecurrenceSchedule | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new ValidationError(`${field} must be an object.`, field);
  const weekDays = value[names.weekDays];
  if (weekDays !== undefined && !Array.isArray(weekDays)) {
    throw new ValidationError(`${field}.${names.weekDays} must be a list of week day names.`, field);
  }
  const monthDays = numbersOf(value[names.monthDays], `${field}.${names.monthDays}`, -31, 31);
  if (monthDays?.includes(0)) {
    throw new ValidationError(
      `${field}.${names.monthDays} takes 1..31, or -1..-31 from the month's end; not 0.`,
      field,
    );
  }
  return {
    minutes: numbersOf(value.minutes, `${field}.minutes`, 0, 59),
    hours: numbersOf(value.hours, `${field}.hours`, 0, 23),
    weekDays: weekDays?.map((d, i) => weekDayOf(d, `${field}.${names.weekDays}[${String(i)}]`)),
    monthDays,
    monthlyOccurrences: occurrencesOf(value.monthlyOccurrences, `${field}.monthlyOccurrences`),
  };
}

function occurrencesOf(value: unknown, field: string): RecurrenceSchedule['monthlyOccurrences'] {
  if (value === undefined) return undefined;
  if (!Array.isArray(value))
    throw new ValidationError(`${field} must be a list of {day, occurrence}.`, field);
  return value.map((entry: unknown, i) => {
    const at = `${field}[${String(i)}]`;
    if (!isObject(entry)) throw new ValidationError(`${at} must be an object {day, occurrence}.`, at);
    const occurrence = entry.occurrence;
    const valid =
      occurrence === undefined ||
      (typeof occurrence === 'number' &&
        Number.isInteger(occurrence) &&
        occurrence !== 0 &&
        Math.abs(occurrence) <= 5);
    if (!valid) throw new ValidationError(`${at}.occurrence must be 1..5 or -1..-5 (the last is -1).`, at);
    return { day: weekDayOf(entry.day, `${at}.day`), occurrence };
  });
}

interface ScheduleNames {
  weekDays: string;
  monthDays: string;
}

/** Data Factory's ScheduleTrigger `recurrence` → Recurrence. */
export function parseRecurrence(value: unknown, field: string): Recurrence {
  if (!isObject(value))
    throw new ValidationError(`${field} must be an object with frequency, interval and startTime.`, field);
  const recurrence: Recurrence = {
    frequency: frequencyOf(value.frequency, `${field}.frequency`),
    interval: intervalOf(value.interval, `${field}.interval`),
    startTime: timeOf(value.startTime, `${field}.startTime`),
    timeZone: zoneOf(value.timeZone, `${field}.timeZone`),
  };
  if (value.endTime !== undefined) recurrence.endTime = timeOf(value.endTime, `${field}.endTime`);
  const schedule = scheduleOf(value.schedule, `${field}.schedule`, {
    weekDays: 'weekDays',
    monthDays: 'monthDays',
  });
  if (schedule !== undefined) recurrence.schedule = schedule;
  return recurrence;
}

/**
 * Azure ML's schedule `trigger:` block → its fire times. A recurrence without start_time starts at
 * `createdAt` (the schedule's creation, as Azure ML does), so the caller passes the time it stored.
 */
export function parseAmlScheduleTrigger(value: unknown, field: string, createdAt?: string): FireTimes {
  if (!isObject(value)) {
    throw new ValidationError(`${field} must be an object with type: cron or type: recurrence.`, field);
  }
  const type = caseless(value.type, ['cron', 'recurrence'] as const);
  if (type === undefined)
    throw new ValidationError(`${field}.type must be cron or recurrence.`, `${field}.type`);
  const timeZone = zoneOf(value.time_zone, `${field}.time_zone`);
  const startTime =
    value.start_time === undefined ? undefined : timeOf(value.start_time, `${field}.start_time`);
  const endTime = value.end_time === undefined ? undefined : timeOf(value.end_time, `${field}.end_time`);
  if (type === 'cron') {
    if (typeof value.expression !== 'string') {
      throw new ValidationError(
        `${field}.expression must be a cron expression such as "0 2 * * *".`,
        `${field}.expression`,
      );
    }
    return cronFireTimes(value.expression, { timeZone, startTime, endTime }, `${field}.expression`);
  }
  const recurrence: Recurrence = {
    frequency: frequencyOf(value.frequency, `${field}.frequency`),
    interval: intervalOf(value.interval, `${field}.interval`),
    startTime: startTime ?? createdAt ?? new Date().toISOString(),
    timeZone,
  };
  if (endTime !== undefined) recurrence.endTime = endTime;
  const schedule = scheduleOf(value.schedule, `${field}.schedule`, {
    weekDays: 'week_days',
    monthDays: 'month_days',
  });
  if (schedule !== undefined) recurrence.schedule = schedule;
  return recurrenceFireTimes(recurrence);
}
