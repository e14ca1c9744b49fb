import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../errors.ts';
import {
  cronFireTimes,
  parseAmlScheduleTrigger,
  parseRecurrence,
  recurrenceFireTimes,
  type FireTimes,
} from './index.ts';

function firings(times: FireTimes, from: string, count: number): string[] {
  const out: string[] = [];
  let at = Date.parse(from);
  for (let i = 0; i < count; i++) {
    const next = times.nextAfter(at);
    if (next === undefined) break;
    out.push(new Date(next).toISOString().replace('.000Z', 'Z'));
    at = next;
  }
  return out;
}

function fromRecurrence(json: unknown): FireTimes {
  return recurrenceFireTimes(parseRecurrence(json, 'recurrence'));
}

test('a daily trigger in Berlin keeps its wall time across both DST changes and fires once a day for a year', () => {
  const times = fromRecurrence({
    frequency: 'Day',
    interval: 1,
    startTime: '2027-01-01T02:30:00',
    timeZone: 'W. Europe Standard Time',
  });
  const year = firings(times, '2026-12-31T00:00:00Z', 400).filter((t) => t < '2028-01-01');
  assert.equal(year.length, 365);
  assert.equal(year[0], '2027-01-01T01:30:00Z');
  // 2027-03-28: 02:30 does not exist (02:00 → 03:00); it fires when the gap ends.
  assert.deepEqual(year.slice(85, 88), [
    '2027-03-27T01:30:00Z',
    '2027-03-28T01:00:00Z',
    '2027-03-29T00:30:00Z',
  ]);
  // 2027-10-31: 02:30 happens twice; it fires at the first.
  assert.deepEqual(year.slice(302, 305), [
    '2027-10-30T00:30:00Z',
    '2027-10-31T00:30:00Z',
    '2027-11-01T01:30:00Z',
  ]);
  const localDays = new Set(
    year.map((t) => new Date(Date.parse(t) + 3 * 3600_000).toISOString().slice(0, 10)),
  );
  assert.equal(localDays.size, 365);
});

test('hourly and minute steps are absolute, so a DST night still has 24 hourly firings', () => {
  const hourly = fromRecurrence({
    frequency: 'Hour',
    interval: 1,
    startTime: '2027-03-27T12:00:00',
    timeZone: 'Pacific Standard Time',
  });
  const day = firings(hourly, '2027-03-28T00:00:00Z', 24);
  assert.equal(new Set(day).size, 24);
  assert.equal(Date.parse(day[23] ?? '') - Date.parse(day[0] ?? ''), 23 * 3600_000);
  const quarter = fromRecurrence({ frequency: 'Minute', interval: 15, startTime: '2027-01-01T00:05:00Z' });
  assert.deepEqual(firings(quarter, '2027-01-01T00:00:00Z', 3), [
    '2027-01-01T00:05:00Z',
    '2027-01-01T00:20:00Z',
    '2027-01-01T00:35:00Z',
  ]);
  const atMinutes = fromRecurrence({
    frequency: 'Hour',
    interval: 2,
    startTime: '2027-01-01T00:00:00Z',
    schedule: { minutes: [10, 40] },
  });
  assert.deepEqual(firings(atMinutes, '2027-01-01T00:15:00Z', 3), [
    '2027-01-01T00:40:00Z',
    '2027-01-01T02:10:00Z',
    '2027-01-01T02:40:00Z',
  ]);
});

test('a schedule of hours and minutes on every other week day fires at each combination', () => {
  const times = fromRecurrence({
    frequency: 'Week',
    interval: 2,
    startTime: '2027-01-03T00:00:00Z', // a Sunday
    schedule: { weekDays: ['Monday', 'Wednesday'], hours: [9, 17], minutes: [0] },
  });
  assert.deepEqual(firings(times, '2027-01-01T00:00:00Z', 6), [
    '2027-01-04T09:00:00Z',
    '2027-01-04T17:00:00Z',
    '2027-01-06T09:00:00Z',
    '2027-01-06T17:00:00Z',
    '2027-01-18T09:00:00Z',
    '2027-01-18T17:00:00Z',
  ]);
});

test('monthly: last day, last Friday, first Monday, and a start on the 31st', () => {
  const lastDay = fromRecurrence({
    frequency: 'Month',
    interval: 1,
    startTime: '2027-01-01T06:00:00Z',
    schedule: { monthDays: [-1], hours: [6], minutes: [0] },
  });
  assert.deepEqual(firings(lastDay, '2027-01-01T00:00:00Z', 3), [
    '2027-01-31T06:00:00Z',
    '2027-02-28T06:00:00Z',
    '2027-03-31T06:00:00Z',
  ]);
  const occurrences = fromRecurrence({
    frequency: 'Month',
    interval: 1,
    startTime: '2027-01-01T00:00:00Z',
    schedule: {
      monthlyOccurrences: [
        { day: 'Friday', occurrence: -1 },
        { day: 'Monday', occurrence: 1 },
      ],
      hours: [0],
      minutes: [0],
    },
  });
  assert.deepEqual(firings(occurrences, '2027-01-01T00:00:00Z', 4), [
    '2027-01-04T00:00:00Z',
    '2027-01-29T00:00:00Z',
    '2027-02-01T00:00:00Z',
    '2027-02-26T00:00:00Z',
  ]);
  const on31 = fromRecurrence({ frequency: 'Month', interval: 1, startTime: '2027-01-31T08:00:00Z' });
  assert.deepEqual(firings(on31, '2027-01-01T00:00:00Z', 3), [
    '2027-01-31T08:00:00Z',
    '2027-02-28T08:00:00Z',
    '2027-03-31T08:00:00Z',
  ]);
});

test('nothing fires before the start or after the end', () => {
  const times = fromRecurrence({
    frequency: 'Day',
    interval: 1,
    startTime: '2027-05-01T10:00:00Z',
    endTime: '2027-05-03T10:00:00Z',
  });
  assert.deepEqual(firings(times, '2020-01-01T00:00:00Z', 10), [
    '2027-05-01T10:00:00Z',
    '2027-05-02T10:00:00Z',
    '2027-05-03T10:00:00Z',
  ]);
});

test('cron: ranges, steps, names, and either day field when both are restricted', () => {
  const workHours = cronFireTimes('*/30 9-10 * * MON-FRI');
  assert.deepEqual(firings(workHours, '2027-01-01T10:31:00Z', 3), [
    '2027-01-04T09:00:00Z',
    '2027-01-04T09:30:00Z',
    '2027-01-04T10:00:00Z',
  ]);
  const either = cronFireTimes('0 0 13 * FRI');
  assert.deepEqual(firings(either, '2027-01-01T00:00:00Z', 3), [
    '2027-01-08T00:00:00Z',
    '2027-01-13T00:00:00Z',
    '2027-01-15T00:00:00Z',
  ]);
  const nightly = cronFireTimes('0 2 * * *', { timeZone: 'Pacific Standard Time' });
  // 2027-03-14: 02:00 is skipped in Los Angeles; the firing is at 03:00 PDT.
  assert.deepEqual(firings(nightly, '2027-03-13T00:00:00Z', 2), [
    '2027-03-13T10:00:00Z',
    '2027-03-14T10:00:00Z',
  ]);
  const bounded = cronFireTimes('0 0 * * *', {
    startTime: '2027-02-01T00:00:00Z',
    endTime: '2027-02-02T00:00:00Z',
  });
  assert.deepEqual(firings(bounded, '2020-01-01T00:00:00Z', 5), [
    '2027-02-01T00:00:00Z',
    '2027-02-02T00:00:00Z',
  ]);
});

test('Azure ML schedule triggers read cron and recurrence blocks', () => {
  const cron = parseAmlScheduleTrigger(
    { type: 'cron', expression: '15 3 * * *', time_zone: 'UTC' },
    'trigger',
  );
  assert.deepEqual(firings(cron, '2027-01-01T00:00:00Z', 1), ['2027-01-01T03:15:00Z']);
  const recurrence = parseAmlScheduleTrigger(
    {
      type: 'recurrence',
      frequency: 'week',
      interval: 1,
      schedule: { hours: [4], minutes: [0], week_days: ['monday'] },
      start_time: '2027-01-01T00:00:00',
      time_zone: 'UTC',
    },
    'trigger',
  );
  assert.deepEqual(firings(recurrence, '2027-01-01T00:00:00Z', 2), [
    '2027-01-04T04:00:00Z',
    '2027-01-11T04:00:00Z',
  ]);
});

test('bad definitions are errors that name the field and the fix', () => {
  const cases: [unknown, RegExp][] = [
    [
      { frequency: 'Fortnight', startTime: '2027-01-01T00:00:00Z' },
      /recurrence\.frequency must be one of Minute/,
    ],
    [
      { frequency: 'Day', interval: 0, startTime: '2027-01-01T00:00:00Z' },
      /recurrence\.interval must be a whole number/,
    ],
    [{ frequency: 'Day', startTime: 'tomorrow' }, /recurrence\.startTime must be an ISO 8601 time/],
    [
      { frequency: 'Day', startTime: '2027-01-01T00:00:00', timeZone: 'Mars Standard Time' },
      /recurrence\.timeZone: "Mars Standard Time" is not a known time zone/,
    ],
    [
      { frequency: 'Day', startTime: '2027-01-01T00:00:00Z', schedule: { hours: [24] } },
      /recurrence\.schedule\.hours must be a list of whole numbers from 0 to 23/,
    ],
    [
      {
        frequency: 'Month',
        startTime: '2027-01-01T00:00:00Z',
        schedule: { monthlyOccurrences: [{ day: 'Friday', occurrence: 6 }] },
      },
      /occurrence must be 1\.\.5 or -1\.\.-5/,
    ],
  ];
  for (const [json, message] of cases) {
    assert.throws(
      () => parseRecurrence(json, 'recurrence'),
      (e: unknown) => e instanceof ValidationError && message.test(e.message),
    );
  }
  assert.throws(
    () => parseAmlScheduleTrigger({ type: 'cron', expression: '0 2 * *' }, 'trigger'),
    /trigger\.expression: '0 2 \* \*' has 4 fields/,
  );
  assert.throws(
    () => parseAmlScheduleTrigger({ type: 'cron', expression: '0 25 * * *' }, 'trigger'),
    /'25' is not a valid hour \(0-23\)/,
  );
  assert.throws(
    () => parseAmlScheduleTrigger({ type: 'hourly' }, 'trigger'),
    /trigger\.type must be cron or recurrence/,
  );
});
