/**
 * When a recurrence fires: Data Factory's ScheduleTrigger `recurrence` (frequency, interval, start and end,
 * time zone, and an optional schedule of minutes, hours, week days, month days and monthly occurrences),
 * which Azure ML's schedule `recurrence` trigger is a subset of. Day, Week and Month steps keep the wall
 * clock in the zone across daylight-saving changes, as Data Factory documents; Minute and Hour steps are
 * absolute. Everything is computed on demand from the definition, so a trigger's state is only "the last
 * occurrence it fired".
 */
import { ZoneClock, daysInMonth, wallFields, type WallFields } from '../time-zones/zone-clock.ts';

export const FREQUENCIES = ['Minute', 'Hour', 'Day', 'Week', 'Month'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const WEEK_DAYS = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
] as const;
export type WeekDay = (typeof WEEK_DAYS)[number];

export interface RecurrenceSchedule {
  minutes?: number[];
  hours?: number[];
  weekDays?: WeekDay[];
  /** 1..31, or -1..-31 counting from the month's last day. */
  monthDays?: number[];
  /** "the first Friday" is { day: 'Friday', occurrence: 1 }; -1 is the last; no occurrence is every one. */
  monthlyOccurrences?: { day: WeekDay; occurrence?: number }[];
}

export interface Recurrence {
  frequency: Frequency;
  interval: number;
  /** ISO; a wall-clock time in `timeZone` when it carries no offset or Z. */
  startTime: string;
  endTime?: string;
  /** Windows or IANA id; 'UTC' when the definition gives none. */
  timeZone: string;
  schedule?: RecurrenceSchedule;
}

export interface FireTimes {
  /** The first firing strictly after `afterMs` (epoch ms); undefined when there is none (past endTime). */
  nextAfter(afterMs: number): number | undefined;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** How far ahead a search for the next matching day goes before concluding there is none. */
const SEARCH_DAYS = 366 * 8;

/** An ISO time as an instant: with an offset or Z it is absolute, without one it is wall time in `zone`. */
export function instantOf(iso: string, zone: ZoneClock): number {
  const absolute = /(?:Z|[+-]\d\d:?\d\d)$/i.test(iso);
  const parsed = Date.parse(absolute ? iso : `${iso}Z`);
  return absolute ? parsed : zone.toInstant(parsed);
}

/** Whole days since the epoch of a wall time (its calendar date). */
function dayNumber(wallMs: number): number {
  return Math.floor(wallMs / DAY_MS);
}

function monthNumber(fields: WallFields): number {
  return fields.year * 12 + fields.month - 1;
}

class RecurrenceTimes implements FireTimes {
  private readonly zone: ZoneClock;
  private readonly start: number;
  private readonly end: number;
  private readonly startWall: number;
  private readonly startFields: WallFields;
  private readonly recurrence: Recurrence;

  constructor(recurrence: Recurrence, zone: ZoneClock) {
    this.recurrence = recurrence;
    this.zone = zone;
    this.start = instantOf(recurrence.startTime, zone);
    this.end =
      recurrence.endTime === undefined ? Number.POSITIVE_INFINITY : instantOf(recurrence.endTime, zone);
    this.startWall = zone.toWall(this.start);
    this.startFields = wallFields(this.startWall);
  }

  nextAfter(afterMs: number): number | undefined {
    const next = this.candidateAfter(Math.max(afterMs, this.start - 1));
    return next === undefined || next > this.end ? undefined : next;
  }

  private candidateAfter(after: number): number | undefined {
    const { frequency, interval } = this.recurrence;
    if (frequency === 'Minute') return this.absoluteStep(after, interval * MINUTE_MS);
    if (frequency === 'Hour') {
      const minutes = this.recurrence.schedule?.minutes;
      if (minutes === undefined || minutes.length === 0)
        return this.absoluteStep(after, interval * 60 * MINUTE_MS);
      return this.hourlyAt(after, minutes);
    }
    return this.calendarAfter(after);
  }

  /** start + k·step, the first one after `after`. */
  private absoluteStep(after: number, step: number): number {
    const k = Math.max(0, Math.floor((after - this.start) / step) + 1);
    return this.start + k * step;
  }

  /** Every `interval` hours from the start's hour, at the given minutes of those hours. */
  private hourlyAt(after: number, minutes: readonly number[]): number | undefined {
    const sorted = [...minutes].sort((a, b) => a - b);
    const hourMs = 60 * MINUTE_MS;
    const slotLength = this.recurrence.interval * hourMs;
    const firstSlot = this.start - (this.startFields.minute * 60 + this.startFields.second) * 1000;
    let slot = Math.max(0, Math.floor((after - firstSlot) / slotLength));
    for (let tries = 0; tries < 3; tries++, slot++) {
      const slotStart = firstSlot + slot * slotLength;
      for (const minute of sorted) {
        const at = slotStart + minute * MINUTE_MS;
        if (at > after && at >= this.start) return at;
      }
    }
    return undefined;
  }

  /** Day, Week and Month: walk the calendar days in the zone from `after`'s day. */
  private calendarAfter(after: number): number | undefined {
    const firstDay = dayNumber(this.zone.toWall(after));
    for (let day = firstDay; day < firstDay + SEARCH_DAYS; day++) {
      const dayWall = day * DAY_MS;
      if (!this.activeDay(dayWall)) continue;
      for (const [hour, minute, second] of this.timesOfDay()) {
        const at = this.zone.toInstant(dayWall + ((hour * 60 + minute) * 60 + second) * 1000);
        if (at > after && at >= this.start) return at;
      }
    }
    return undefined;
  }

  private timesOfDay(): [number, number, number][] {
    const schedule = this.recurrence.schedule;
    const hasTimes = (schedule?.hours?.length ?? 0) > 0 || (schedule?.minutes?.length ?? 0) > 0;
    const hours = schedule?.hours?.length ? schedule.hours : [this.startFields.hour];
    const minutes = schedule?.minutes?.length ? schedule.minutes : [this.startFields.minute];
    const second = hasTimes ? 0 : this.startFields.second;
    const times: [number, number, number][] = [];
    for (const hour of hours) for (const minute of minutes) times.push([hour, minute, second]);
    return times.sort((a, b) => a[0] * 60 + a[1] - (b[0] * 60 + b[1]));
  }

  private activeDay(dayWall: number): boolean {
    const fields = wallFields(dayWall);
    const { frequency, interval } = this.recurrence;
    if (frequency === 'Day') {
      return (dayNumber(dayWall) - dayNumber(this.startWall)) % interval === 0;
    }
    if (frequency === 'Week') {
      // Weeks start on Sunday, as .NET's DayOfWeek counts them.
      const weekOf = (wall: number): number => Math.floor((dayNumber(wall) + 4) / 7);
      if ((weekOf(dayWall) - weekOf(this.startWall)) % interval !== 0) return false;
      const days = this.recurrence.schedule?.weekDays;
      const wanted = days?.length ? days.map((d) => WEEK_DAYS.indexOf(d)) : [this.startFields.weekDay];
      return wanted.includes(fields.weekDay);
    }
    if ((monthNumber(fields) - monthNumber(this.startFields)) % interval !== 0) return false;
    return this.activeDayOfMonth(fields);
  }

  private activeDayOfMonth(fields: WallFields): boolean {
    const schedule = this.recurrence.schedule;
    const length = daysInMonth(fields.year, fields.month);
    const monthDays = schedule?.monthDays ?? [];
    const occurrences = schedule?.monthlyOccurrences ?? [];
    if (monthDays.length === 0 && occurrences.length === 0) {
      // A start on the 31st fires on each month's last day when the month is shorter [I].
      return fields.day === Math.min(this.startFields.day, length);
    }
    const byDay = monthDays.some((d) => (d > 0 ? d === fields.day : length + d + 1 === fields.day));
    const byOccurrence = occurrences.some((o) => {
      if (WEEK_DAYS.indexOf(o.day) !== fields.weekDay) return false;
      if (o.occurrence === undefined) return true;
      const nth = o.occurrence > 0 ? Math.ceil(fields.day / 7) : -Math.ceil((length - fields.day + 1) / 7);
      return nth === o.occurrence;
    });
    return byDay || byOccurrence;
  }
}

/** Fire times of a recurrence whose zone is known (parseRecurrence checks it). */
export function recurrenceFireTimes(recurrence: Recurrence): FireTimes {
  const zone = ZoneClock.resolve(recurrence.timeZone);
  if (zone === undefined) throw new RangeError(`unknown time zone ${recurrence.timeZone}`);
  return new RecurrenceTimes(recurrence, zone);
}
