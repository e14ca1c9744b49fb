/**
 * A schedule's `trigger` as the ARM API carries it (`triggerType` Cron with `expression`, or Recurrence
 * with `frequency`, `interval` and `schedule`; `timeZone`, `startTime`, `endTime`), read leniently and
 * stored in one canonical camelCase shape. Firing times come from the shared recurrence module through
 * the Azure ML YAML shape it reads (`type`, `time_zone`, `week_days`, ...), so the CLI's YAML and the REST
 * body fire the same way and no second expander exists.
 */
import { ValidationError } from '../../core/errors.ts';
import { parseAmlScheduleTrigger, type FireTimes } from '../../core/recurrence/index.ts';
import {
  isObject,
  optionalInteger,
  optionalString,
  prop,
  scalarText,
  type Json,
} from '../../core/wire-values.ts';

export interface ScheduleTrigger {
  triggerType: 'Cron' | 'Recurrence';
  expression?: string;
  frequency?: string;
  interval?: number;
  schedule?: { hours?: number[]; minutes?: number[]; weekDays?: string[]; monthDays?: number[] };
  timeZone: string;
  startTime?: string;
  endTime?: string;
}

const FREQUENCIES = ['Minute', 'Hour', 'Day', 'Week', 'Month'];

function numberList(value: unknown, field: string): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  return list.map((v, i) => {
    const n = optionalInteger(v, `${field}[${i}]`);
    if (n === undefined) throw new ValidationError(`'${field}[${i}]' must be a whole number.`, field);
    return n;
  });
}

function readSchedule(value: unknown, field: string): ScheduleTrigger['schedule'] {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value))
    throw new ValidationError(`'${field}' must be an object (hours, minutes, weekDays).`, field);
  const weekDays = prop(value, 'weekDays') ?? prop(value, 'week_days');
  const out = {
    hours: numberList(prop(value, 'hours'), `${field}.hours`),
    minutes: numberList(prop(value, 'minutes'), `${field}.minutes`),
    weekDays:
      weekDays === undefined || weekDays === null
        ? undefined
        : (Array.isArray(weekDays) ? weekDays : [weekDays]).map(scalarText),
    monthDays: numberList(prop(value, 'monthDays') ?? prop(value, 'month_days'), `${field}.monthDays`),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/** The ARM trigger in its canonical shape; throws ValidationError naming the field and the fix. */
export function readScheduleTrigger(value: unknown, field: string): ScheduleTrigger {
  if (!isObject(value))
    throw new ValidationError(
      `'${field}' is required: {"triggerType": "Cron", "expression": "0 2 * * *"}.`,
      field,
    );
  const rawType = scalarText(prop(value, 'triggerType') ?? prop(value, 'type')).toLowerCase();
  const common = {
    timeZone:
      optionalString(prop(value, 'timeZone') ?? prop(value, 'time_zone'), `${field}.timeZone`) ?? 'UTC',
    startTime: optionalString(prop(value, 'startTime') ?? prop(value, 'start_time'), `${field}.startTime`),
    endTime: optionalString(prop(value, 'endTime') ?? prop(value, 'end_time'), `${field}.endTime`),
  };
  let trigger: ScheduleTrigger;
  if (rawType === 'cron') {
    const expression = optionalString(prop(value, 'expression'), `${field}.expression`);
    if (!expression)
      throw new ValidationError(
        `'${field}.expression' is required for a Cron trigger, e.g. "0 2 * * *".`,
        field,
      );
    trigger = { triggerType: 'Cron', expression, ...common };
  } else if (rawType === 'recurrence') {
    const frequency = scalarText(prop(value, 'frequency')).toLowerCase();
    const known = FREQUENCIES.find((f) => f.toLowerCase() === frequency);
    if (!known)
      throw new ValidationError(
        `'${field}.frequency' must be one of ${FREQUENCIES.join(', ')}.`,
        `${field}.frequency`,
      );
    const interval = optionalInteger(prop(value, 'interval'), `${field}.interval`, { min: 1 }) ?? 1;
    const schedule = readSchedule(prop(value, 'schedule'), `${field}.schedule`);
    trigger = {
      triggerType: 'Recurrence',
      frequency: known,
      interval,
      ...(schedule ? { schedule } : {}),
      ...common,
    };
  } else {
    throw new ValidationError(`'${field}.triggerType' must be Cron or Recurrence.`, `${field}.triggerType`);
  }
  const compact = Object.fromEntries(Object.entries(trigger).filter(([, v]) => v !== undefined));
  const canonical = compact as unknown as ScheduleTrigger;
  try {
    fireTimesOf(canonical, undefined, field);
  } catch (error) {
    throw error instanceof ValidationError ? inCallersNames(error, value) : error;
  }
  return canonical;
}

/** The recurrence module's YAML names and the ARM names a caller may have sent instead. */
const ARM_NAMES: readonly (readonly [RegExp, string])[] = [
  [/\btime_zone\b/g, 'timeZone'],
  [/\bstart_time\b/g, 'startTime'],
  [/\bend_time\b/g, 'endTime'],
  [/\bweek_days\b/g, 'weekDays'],
  [/\bmonth_days\b/g, 'monthDays'],
];

/**
 * A refusal of the recurrence module, which reads the YAML shape, named the way the caller spelled the
 * field: a REST body that sent `timeZone` is told about `timeZone`, a YAML file with `time_zone` about
 * `time_zone`.
 */
function inCallersNames(error: ValidationError, trigger: Record<string, unknown>): ValidationError {
  const schedule = prop(trigger, 'schedule');
  const sent = new Set([...Object.keys(trigger), ...(isObject(schedule) ? Object.keys(schedule) : [])]);
  const rename = (text: string) =>
    ARM_NAMES.reduce((t, [yaml, arm]) => (sent.has(arm) ? t.replace(yaml, arm) : t), text);
  return new ValidationError(
    rename(error.message),
    error.field === undefined ? undefined : rename(error.field),
  );
}

/** The Azure ML YAML `trigger:` block the recurrence module reads. */
function yamlTrigger(trigger: ScheduleTrigger): Json {
  const common = {
    time_zone: trigger.timeZone,
    ...(trigger.startTime ? { start_time: trigger.startTime } : {}),
    ...(trigger.endTime ? { end_time: trigger.endTime } : {}),
  };
  if (trigger.triggerType === 'Cron') return { type: 'cron', expression: trigger.expression, ...common };
  const s = trigger.schedule;
  const schedule = s
    ? Object.fromEntries(
        Object.entries({
          hours: s.hours,
          minutes: s.minutes,
          week_days: s.weekDays,
          month_days: s.monthDays,
        }).filter(([, v]) => v !== undefined),
      )
    : undefined;
  return {
    type: 'recurrence',
    frequency: trigger.frequency?.toLowerCase(),
    interval: trigger.interval ?? 1,
    ...(schedule ? { schedule } : {}),
    ...common,
  };
}

/**
 * A recurrence without `startTime` counts its intervals from `createdAt` (the schedule's creation), so
 * "every 6 hours" keeps the same phase across restarts and servers.
 */
export function fireTimesOf(
  trigger: ScheduleTrigger,
  createdAt?: string,
  field = 'properties.trigger',
): FireTimes {
  return parseAmlScheduleTrigger(yamlTrigger(trigger), field, createdAt);
}
