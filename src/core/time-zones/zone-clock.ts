/**
 * Wall-clock arithmetic in a named time zone, for everything that fires "at 02:00 in Berlin": triggers,
 * schedules, and the expression language's convertFromUtc & co. Zone names are Windows ids (what Data
 * Factory and Azure ML take) matched ignoring case and punctuation, or IANA ids; offsets come from Intl,
 * which carries the tz database. A wall time is held as the epoch milliseconds it would be if the zone
 * were UTC ("wall milliseconds"), so calendar steps are plain Date.UTC arithmetic.
 */
import { WINDOWS_TO_IANA } from './windows-zones.ts';

const DAY_MS = 86_400_000;

function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9+-]/g, '');
}

const WINDOWS_IDS = new Map(
  Object.entries(WINDOWS_TO_IANA).map(([windows, iana]) => [normalize(windows), iana]),
);

function isUtcName(iana: string): boolean {
  return iana === 'Etc/UTC' || /^(?:etc\/)?(?:utc|gmt|uct|zulu)$/i.test(iana);
}

function formatterFor(iana: string): Intl.DateTimeFormat | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone: iana,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
}

/** One zone's clock: converts instants to wall milliseconds and back. Creating one costs an Intl formatter. */
export class ZoneClock {
  readonly name: string;
  readonly iana: string;
  readonly isUtc: boolean;
  private readonly formatter: Intl.DateTimeFormat | undefined;

  private constructor(name: string, iana: string, formatter: Intl.DateTimeFormat | undefined) {
    this.name = name;
    this.iana = iana;
    this.isUtc = isUtcName(iana);
    this.formatter = this.isUtc ? undefined : formatter;
  }

  /** The zone by Windows or IANA name; undefined when neither knows it. */
  static resolve(name: string): ZoneClock | undefined {
    const windows = WINDOWS_IDS.get(normalize(name));
    const iana = windows ?? name;
    if (isUtcName(iana)) return new ZoneClock(name, iana, undefined);
    const formatter = formatterFor(iana);
    return formatter === undefined ? undefined : new ZoneClock(name, iana, formatter);
  }

  /** Milliseconds to add to a UTC instant to get its wall time here (whole seconds). */
  offsetMs(epochMs: number): number {
    if (this.formatter === undefined) return 0;
    const whole = Math.floor(epochMs / 1000) * 1000;
    const parts: Record<string, string> = {};
    for (const part of this.formatter.formatToParts(new Date(whole))) parts[part.type] = part.value;
    const wall = Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
    );
    return wall - whole;
  }

  toWall(epochMs: number): number {
    return epochMs + this.offsetMs(epochMs);
  }

  /**
   * The instant a wall time names. A wall time the clocks skip (spring forward) gives the first instant
   * after the gap; one they pass twice (fall back) gives the first of the two, so a firing at that time
   * happens once.
   */
  toInstant(wallMs: number): number {
    const before = this.offsetMs(wallMs - DAY_MS);
    const after = this.offsetMs(wallMs + DAY_MS);
    const fits = [before, after].filter((offset) => this.offsetMs(wallMs - offset) === offset);
    if (fits.length > 0) return wallMs - Math.max(...fits);
    return this.transitionBetween(wallMs - Math.max(before, after), wallMs - Math.min(before, after));
  }

  /** The first instant in (low, high] whose offset differs from low's, to the second. */
  private transitionBetween(low: number, high: number): number {
    const start = this.offsetMs(low);
    let lo = low;
    let hi = high;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2000) * 1000;
      if (mid <= lo) break;
      if (this.offsetMs(mid) === start) lo = mid;
      else hi = mid;
    }
    return hi;
  }
}

/** A wall time's calendar fields (month 1-12, weekDay 0 = Sunday). */
export interface WallFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekDay: number;
}

export function wallFields(wallMs: number): WallFields {
  const date = new Date(wallMs);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    weekDay: date.getUTCDay(),
  };
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
