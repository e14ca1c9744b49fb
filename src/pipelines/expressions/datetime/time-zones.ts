/**
 * Time-zone conversion for convertFromUtc, convertToUtc and convertTimeZone (spec §3.5). Zone names are
 * Windows ids, matched ignoring case and punctuation (the docs say punctuation may need removing); IANA ids
 * are accepted too, as .NET on Linux does. Offsets come from Intl, which has the tz database. One resolver
 * per engine caches its Intl formatters, because creating them is slow.
 */
import { TICKS_PER_DAY, TICKS_PER_MILLISECOND, toEpochMilliseconds } from './calendar.ts';
import { WINDOWS_TO_IANA } from './windows-zones.ts';

export interface TimeZone {
  /** The name as given. */
  readonly name: string;
  readonly iana: string;
  /** UTC itself: converting into it gives a UTC-kind timestamp. */
  readonly isUtc: boolean;
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9+-]/g, '');
}

export class TimeZoneResolver {
  private readonly windowsIds = new Map(
    Object.entries(WINDOWS_TO_IANA).map(([windows, iana]) => [normalize(windows), iana]),
  );
  private readonly formatters = new Map<string, Intl.DateTimeFormat>();

  resolve(name: string): TimeZone | undefined {
    const iana =
      this.windowsIds.get(normalize(name)) ?? (this.formatter(name) === undefined ? undefined : name);
    if (iana === undefined) return undefined;
    return { name, iana, isUtc: iana === 'Etc/UTC' || /^(?:etc\/)?(?:utc|gmt|uct|zulu)$/i.test(iana) };
  }

  /** Wall-clock ticks in `zone` for a UTC instant. */
  fromUtc(utcTicks: bigint, zone: TimeZone): bigint {
    return utcTicks + this.offsetTicks(zone, utcTicks);
  }

  /**
   * The UTC instant of a wall-clock time in `zone`. An ambiguous time (clocks going back) reads as standard
   * time, like .NET; a time skipped by clocks going forward is taken with the offset before the change [I].
   */
  toUtc(localTicks: bigint, zone: TimeZone): bigint {
    const before = this.offsetTicks(zone, localTicks - TICKS_PER_DAY);
    const after = this.offsetTicks(zone, localTicks + TICKS_PER_DAY);
    const candidates = [before, after].filter(
      (offset) => this.offsetTicks(zone, localTicks - offset) === offset,
    );
    if (candidates.length === 0) return localTicks - before;
    return localTicks - candidates.reduce((a, b) => (a < b ? a : b));
  }

  private offsetTicks(zone: TimeZone, utcTicks: bigint): bigint {
    if (zone.isUtc) return 0n;
    const formatter = this.formatter(zone.iana);
    if (formatter === undefined) return 0n;
    const epochMs = Math.floor(toEpochMilliseconds(utcTicks) / 1000) * 1000;
    const parts = Object.fromEntries(
      formatter.formatToParts(new Date(epochMs)).map((part) => [part.type, part.value]),
    );
    const wall = new Date(0);
    wall.setUTCFullYear(Number(parts.year), Number(parts.month) - 1, Number(parts.day));
    wall.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), 0);
    return BigInt(wall.getTime() - epochMs) * TICKS_PER_MILLISECOND;
  }

  private formatter(iana: string): Intl.DateTimeFormat | undefined {
    const cached = this.formatters.get(iana);
    if (cached !== undefined) return cached;
    try {
      const formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: iana,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
      this.formatters.set(iana, formatter);
      return formatter;
    } catch {
      return undefined;
    }
  }
}
