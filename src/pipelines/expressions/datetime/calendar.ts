/**
 * Timestamps as .NET DateTime values (spec §3.6): 100-ns ticks since 0001-01-01 in a bigint, plus a kind.
 * JavaScript Date has only milliseconds, and `ticks()`, `o` formatting with 7 fraction digits and exact
 * arithmetic all need the full precision. The kind matters for output: a UTC time prints `Z` under `o`, an
 * unspecified one (parsed without an offset) prints no suffix. Calendar math is proleptic Gregorian.
 */

export type TimestampKind = 'utc' | 'unspecified';

export interface Timestamp {
  readonly ticks: bigint;
  readonly kind: TimestampKind;
}

export interface CalendarParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Ticks within the second, 0..9,999,999. */
  readonly fraction: number;
  /** Sunday = 0. */
  readonly dayOfWeek: number;
  /** 1..366. */
  readonly dayOfYear: number;
}

export const TICKS_PER_MILLISECOND = 10_000n;
export const TICKS_PER_SECOND = 10_000_000n;
export const TICKS_PER_MINUTE = 60n * TICKS_PER_SECOND;
export const TICKS_PER_HOUR = 60n * TICKS_PER_MINUTE;
export const TICKS_PER_DAY = 24n * TICKS_PER_HOUR;
/** Ticks of 1970-01-01T00:00:00Z. */
export const UNIX_EPOCH_TICKS = 621_355_968_000_000_000n;
/** Ticks of 9999-12-31T23:59:59.9999999, the last DateTime. */
const MAX_TICKS = 3_155_378_975_999_999_999n;

const DAYS_TO_UNIX_EPOCH = 719_162;

/** Days since 0001-01-01 (H. Hinnant's days-from-civil, shifted to the .NET epoch). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468 + DAYS_TO_UNIX_EPOCH;
}

export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days - DAYS_TO_UNIX_EPOCH + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export function ticksFromParts(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  fraction = 0,
): bigint {
  const days = BigInt(daysFromCivil(year, month, day));
  return (
    days * TICKS_PER_DAY +
    BigInt(hour) * TICKS_PER_HOUR +
    BigInt(minute) * TICKS_PER_MINUTE +
    BigInt(second) * TICKS_PER_SECOND +
    BigInt(fraction)
  );
}

export function partsOf(ticks: bigint): CalendarParts {
  const days = Number(ticks / TICKS_PER_DAY);
  const timeOfDay = ticks % TICKS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Number(timeOfDay / TICKS_PER_HOUR),
    minute: Number((timeOfDay % TICKS_PER_HOUR) / TICKS_PER_MINUTE),
    second: Number((timeOfDay % TICKS_PER_MINUTE) / TICKS_PER_SECOND),
    fraction: Number(timeOfDay % TICKS_PER_SECOND),
    dayOfWeek: (days + 1) % 7,
    dayOfYear: days - daysFromCivil(year, 1, 1) + 1,
  };
}

export function isValidTicks(ticks: bigint): boolean {
  return ticks >= 0n && ticks <= MAX_TICKS;
}

/** .NET AddMonths: the day is clamped to the target month's length; the time of day is kept. */
export function addMonths(ticks: bigint, months: number): bigint {
  const parts = partsOf(ticks);
  const monthIndex = parts.year * 12 + (parts.month - 1) + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  const day = Math.min(parts.day, daysInMonth(year, month));
  return BigInt(daysFromCivil(year, month, day)) * TICKS_PER_DAY + (ticks % TICKS_PER_DAY);
}

export function fromDate(date: Date): Timestamp {
  return { ticks: UNIX_EPOCH_TICKS + BigInt(date.getTime()) * TICKS_PER_MILLISECOND, kind: 'utc' };
}

/** Milliseconds since the Unix epoch (sub-millisecond ticks dropped), for Intl time-zone lookups. */
export function toEpochMilliseconds(ticks: bigint): number {
  const offset = ticks - UNIX_EPOCH_TICKS;
  const ms = offset / TICKS_PER_MILLISECOND;
  return Number(offset < 0n && offset % TICKS_PER_MILLISECOND !== 0n ? ms - 1n : ms);
}
