/**
 * Date and time functions (spec §3.5 "Date and time", §3.6). Timestamps are strings in and out; inside they
 * are tick-precise Timestamps so `o` prints all 7 fraction digits and ticks() is exact. The optional format
 * is a .NET format string, `o` by default. Time zones are Windows ids. Adding months or years clamps the day
 * to the month's length, as .NET does.
 */
import { ExpressionError } from '../contract.ts';
import {
  addMonths,
  fromDate,
  isValidTicks,
  partsOf,
  ticksFromParts,
  TICKS_PER_DAY,
  TICKS_PER_HOUR,
  TICKS_PER_MINUTE,
  TICKS_PER_SECOND,
  type Timestamp,
} from '../datetime/calendar.ts';
import { formatTimestamp } from '../datetime/format-timestamp.ts';
import { parseTimestamp } from '../datetime/parse-timestamp.ts';
import type { TimeZone } from '../datetime/time-zones.ts';
import { invalidArgumentError, invalidFormatError, invalidTimestampError } from '../errors.ts';
import { FloatNumber, makeInteger, toDouble, type Value } from '../values.ts';
import { numberArg, optionalStringArg, stringArg } from './arguments.ts';
import { eager, type CallEnv, type FunctionDefinition } from './function-types.ts';

type Unit = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

const UNIT_TICKS: Readonly<Record<string, bigint>> = {
  second: TICKS_PER_SECOND,
  minute: TICKS_PER_MINUTE,
  hour: TICKS_PER_HOUR,
  day: TICKS_PER_DAY,
  week: 7n * TICKS_PER_DAY,
};

function timestampArg(fn: string, args: readonly Value[], index: number): Timestamp {
  const text = stringArg(fn, args, index);
  const timestamp = parseTimestamp(text);
  if (timestamp === undefined) throw invalidTimestampError(fn, text);
  return timestamp;
}

function formatted(fn: string, timestamp: Timestamp, args: readonly Value[], formatIndex: number): string {
  if (!isValidTicks(timestamp.ticks)) {
    throw new ExpressionError(
      `The template language function '${fn}' produced a time outside the range 0001-01-01 to 9999-12-31.`,
    );
  }
  const format = optionalStringArg(fn, args, formatIndex) ?? 'o';
  const text = formatTimestamp(timestamp, format);
  if (text === undefined) throw invalidFormatError(fn, format);
  return text;
}

function unitArg(fn: string, args: readonly Value[], index: number): Unit {
  const unit = stringArg(fn, args, index).toLowerCase();
  if (unit in UNIT_TICKS || unit === 'month' || unit === 'year') return unit as Unit;
  throw invalidArgumentError(
    fn,
    `The time unit '${unit}' must be one of 'Second', 'Minute', 'Hour', 'Day', 'Week', 'Month', 'Year'.`,
  );
}

/** Adds `amount` units; fractional amounts are allowed for fixed-length units. */
function shift(
  fn: string,
  timestamp: Timestamp,
  amount: number | bigint | FloatNumber,
  unit: Unit,
): Timestamp {
  const number = amount instanceof FloatNumber ? amount.value : amount;
  if (unit === 'month' || unit === 'year') {
    const whole = Number(number);
    if (!Number.isInteger(whole))
      throw invalidArgumentError(fn, `The interval '${whole}' must be an integer.`);
    return { ticks: addMonths(timestamp.ticks, unit === 'year' ? whole * 12 : whole), kind: timestamp.kind };
  }
  const unitTicks = UNIT_TICKS[unit] ?? 0n;
  const delta =
    typeof number === 'bigint' || Number.isInteger(number)
      ? BigInt(number) * unitTicks
      : BigInt(Math.round(number * Number(unitTicks)));
  return { ticks: timestamp.ticks + delta, kind: timestamp.kind };
}

function addUnit(fn: string, unit: Unit): FunctionDefinition {
  return eager(fn, 2, 3, (args) => {
    const shifted = shift(fn, timestampArg(fn, args, 0), numberArg(fn, args, 1), unit);
    return formatted(fn, shifted, args, 2);
  });
}

function addToTime(fn: string, sign: 1 | -1): FunctionDefinition {
  return eager(fn, 3, 4, (args) => {
    const interval = toSigned(numberArg(fn, args, 1), sign);
    return formatted(fn, shift(fn, timestampArg(fn, args, 0), interval, unitArg(fn, args, 2)), args, 3);
  });
}

function relativeToNow(fn: string, sign: 1 | -1): FunctionDefinition {
  return eager(fn, 2, 3, (args, env) => {
    const interval = toSigned(numberArg(fn, args, 0), sign);
    return formatted(fn, shift(fn, fromDate(env.context.now()), interval, unitArg(fn, args, 1)), args, 2);
  });
}

function toSigned(value: number | bigint | FloatNumber, sign: 1 | -1): number | bigint {
  if (typeof value === 'bigint') return sign === 1 ? value : -value;
  return toDouble(value) * sign;
}

function truncate(fn: string, to: (ticks: bigint) => bigint): FunctionDefinition {
  return eager(fn, 1, 2, (args) => {
    const timestamp = timestampArg(fn, args, 0);
    return formatted(fn, { ticks: to(timestamp.ticks), kind: timestamp.kind }, args, 1);
  });
}

function zoneArg(fn: string, args: readonly Value[], index: number, env: CallEnv): TimeZone {
  const name = stringArg(fn, args, index);
  const zone = env.services.timeZones.resolve(name);
  if (zone === undefined)
    throw invalidArgumentError(fn, `The time zone '${name}' is not a known time zone id.`);
  return zone;
}

/**
 * Converts between zones. A source time that already carries `Z` or an offset is an instant and the source
 * zone does not move it (where .NET would refuse the mismatched kind) [I].
 */
function convert(
  timestamp: Timestamp,
  from: TimeZone | 'utc',
  to: TimeZone | 'utc',
  env: CallEnv,
): Timestamp {
  const zones = env.services.timeZones;
  const utc =
    from === 'utc' || timestamp.kind === 'utc' ? timestamp.ticks : zones.toUtc(timestamp.ticks, from);
  if (to === 'utc' || to.isUtc) return { ticks: utc, kind: 'utc' };
  return { ticks: zones.fromUtc(utc, to), kind: 'unspecified' };
}

function datePart(fn: string, pick: (timestamp: Timestamp) => number | bigint): FunctionDefinition {
  return eager(fn, 1, 1, (args) => {
    const value = pick(timestampArg(fn, args, 0));
    return typeof value === 'bigint' ? (makeInteger(value) ?? null) : value;
  });
}

export function dateFunctions(): FunctionDefinition[] {
  const utcNow = (args: readonly Value[], env: CallEnv) =>
    formatted('utcNow', fromDate(env.context.now()), args, 0);
  return [
    eager('utcNow', 0, 1, utcNow),
    addUnit('addDays', 'day'),
    addUnit('addHours', 'hour'),
    addUnit('addMinutes', 'minute'),
    addUnit('addSeconds', 'second'),
    addToTime('addToTime', 1),
    addToTime('subtractFromTime', -1),
    relativeToNow('getFutureTime', 1),
    relativeToNow('getPastTime', -1),
    eager('convertFromUtc', 2, 3, (args, env) => {
      const to = zoneArg('convertFromUtc', args, 1, env);
      return formatted(
        'convertFromUtc',
        convert(timestampArg('convertFromUtc', args, 0), 'utc', to, env),
        args,
        2,
      );
    }),
    eager('convertToUtc', 2, 3, (args, env) => {
      const from = zoneArg('convertToUtc', args, 1, env);
      return formatted(
        'convertToUtc',
        convert(timestampArg('convertToUtc', args, 0), from, 'utc', env),
        args,
        2,
      );
    }),
    eager('convertTimeZone', 3, 4, (args, env) => {
      const from = zoneArg('convertTimeZone', args, 1, env);
      const to = zoneArg('convertTimeZone', args, 2, env);
      const source = timestampArg('convertTimeZone', args, 0);
      return formatted('convertTimeZone', convert(source, from.isUtc ? 'utc' : from, to, env), args, 3);
    }),
    datePart('dayOfMonth', (t) => partsOf(t.ticks).day),
    datePart('dayOfWeek', (t) => partsOf(t.ticks).dayOfWeek),
    datePart('dayOfYear', (t) => partsOf(t.ticks).dayOfYear),
    datePart('ticks', (t) => t.ticks),
    eager('formatDateTime', 1, 2, (args) =>
      formatted('formatDateTime', timestampArg('formatDateTime', args, 0), args, 1),
    ),
    truncate('startOfDay', (ticks) => ticks - (ticks % TICKS_PER_DAY)),
    truncate('startOfHour', (ticks) => ticks - (ticks % TICKS_PER_HOUR)),
    truncate('startOfMonth', (ticks) => {
      const parts = partsOf(ticks);
      return ticksFromParts(parts.year, parts.month, 1);
    }),
  ];
}
