/**
 * Time-zone conversion for convertFromUtc, convertToUtc and convertTimeZone (spec §3.5), in the
 * expression language's ticks. Zone names are Windows ids, matched ignoring case and punctuation (the docs
 * say punctuation may need removing); IANA ids are accepted too, as .NET on Linux does. The offsets come
 * from the core zone clock; one resolver per engine caches its clocks, because creating them is slow.
 */
import { TICKS_PER_DAY, TICKS_PER_MILLISECOND, toEpochMilliseconds } from './calendar.ts';
import { ZoneClock } from '../../../core/time-zones/zone-clock.ts';

export interface TimeZone {
  /** The name as given. */
  readonly name: string;
  readonly iana: string;
  /** UTC itself: converting into it gives a UTC-kind timestamp. */
  readonly isUtc: boolean;
}

export class TimeZoneResolver {
  private readonly clocks = new Map<string, ZoneClock>();

  resolve(name: string): TimeZone | undefined {
    const clock = this.clock(name);
    return clock === undefined ? undefined : { name, iana: clock.iana, isUtc: clock.isUtc };
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
    const clock = this.clock(zone.iana);
    if (clock === undefined) return 0n;
    return BigInt(clock.offsetMs(toEpochMilliseconds(utcTicks))) * TICKS_PER_MILLISECOND;
  }

  private clock(name: string): ZoneClock | undefined {
    const cached = this.clocks.get(name);
    if (cached !== undefined) return cached;
    const clock = ZoneClock.resolve(name);
    if (clock !== undefined) this.clocks.set(name, clock);
    return clock;
  }
}
