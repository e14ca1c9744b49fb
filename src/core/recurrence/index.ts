/**
 * When triggers and schedules fire: Data Factory recurrences, Azure ML schedule triggers and cron
 * expressions, each read into a FireTimes that answers "what is the next firing after this instant".
 */
export { cronFireTimes } from './cron.ts';
export { parseAmlScheduleTrigger, parseRecurrence } from './parse.ts';
export { recurrenceFireTimes } from './recurrence.ts';
export type { FireTimes, Frequency, Recurrence, RecurrenceSchedule, WeekDay } from './recurrence.ts';
