/**
 * Reads timestamp strings the way the engine's DateTime parsing does for the forms seen in pipelines
 * (spec §3.6): ISO 8601 with `T` or a space, 1–7 (or more, truncated) fraction digits, and `Z` or an offset;
 * US `M/d/yyyy [h:mm[:ss] [AM|PM]]` as in the docs' `'03/15/2018 12:00:00'`; `yyyy/MM/dd`; and RFC 1123
 * (`Thu, 15 Mar 2018 12:00:00 GMT`). A zone or offset makes the result UTC (adjusted); without one the
 * result is "unspecified", which changes how `o` prints it.
 */
import { daysInMonth, isValidTicks, ticksFromParts, TICKS_PER_MINUTE, type Timestamp } from './calendar.ts';

const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?`;
const ZONE = String.raw`(Z|GMT|UTC|[+-]\d{2}(?::?\d{2})?)?`;
const ISO = new RegExp(String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]${TIME})?\s*${ZONE}$`, 'i');
const SLASHED_YEAR_FIRST = new RegExp(
  String.raw`^(\d{4})/(\d{1,2})/(\d{1,2})(?:[T ]${TIME})?\s*${ZONE}$`,
  'i',
);
const US = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+${TIME}\s*(AM|PM)?)?\s*${ZONE}$`, 'i');
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const RFC1123 = new RegExp(
  String.raw`^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+${TIME}\s*${ZONE}$`,
  'i',
);

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fractionDigits: string;
  zone: string;
}

export function parseTimestamp(text: string): Timestamp | undefined {
  const fields = matchFields(text.trim());
  return fields === undefined ? undefined : toTimestamp(fields);
}

function matchFields(text: string): Fields | undefined {
  let match = ISO.exec(text) ?? SLASHED_YEAR_FIRST.exec(text);
  if (match !== null) {
    const [, y, mo, d, h, mi, s, f, zone] = match;
    return fieldsOf(y, mo, d, h, mi, s, f, zone);
  }
  match = US.exec(text);
  if (match !== null) {
    const [, mo, d, y, h, mi, s, f, meridiem, zone] = match;
    const fields = fieldsOf(y, mo, d, h, mi, s, f, zone);
    return meridiem === undefined ? fields : applyMeridiem(fields, meridiem);
  }
  match = RFC1123.exec(text);
  if (match !== null) {
    const [, d, monthName = '', y, h, mi, s, f, zone] = match;
    const month = MONTHS.indexOf(monthName.toLowerCase()) + 1;
    if (month === 0) return undefined;
    return fieldsOf(y, String(month), d, h, mi, s, f, zone ?? 'GMT');
  }
  return undefined;
}

function fieldsOf(...parts: (string | undefined)[]): Fields {
  const [y, mo, d, h, mi, s, f, zone] = parts;
  return {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h ?? 0),
    minute: Number(mi ?? 0),
    second: Number(s ?? 0),
    fractionDigits: f ?? '',
    zone: zone ?? '',
  };
}

function applyMeridiem(fields: Fields, meridiem: string): Fields | undefined {
  if (fields.hour < 1 || fields.hour > 12) return undefined;
  const pm = meridiem.toUpperCase() === 'PM';
  return { ...fields, hour: (fields.hour % 12) + (pm ? 12 : 0) };
}

function toTimestamp(fields: Fields): Timestamp | undefined {
  const { year, month, day, hour, minute, second } = fields;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = Number(fields.fractionDigits.slice(0, 7).padEnd(7, '0'));
  const local = ticksFromParts(year, month, day, hour, minute, second, fraction);
  if (fields.zone === '') return { ticks: local, kind: 'unspecified' };
  const ticks = local - BigInt(offsetMinutes(fields.zone)) * TICKS_PER_MINUTE;
  return isValidTicks(ticks) ? { ticks, kind: 'utc' } : undefined;
}

function offsetMinutes(zone: string): number {
  if (!/^[+-]/.test(zone)) return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
  return zone.startsWith('-') ? -minutes : minutes;
}
