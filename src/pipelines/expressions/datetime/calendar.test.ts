import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addMonths,
  civilFromDays,
  daysFromCivil,
  fromDate,
  partsOf,
  ticksFromParts,
  toEpochMilliseconds,
  UNIX_EPOCH_TICKS,
} from './calendar.ts';

test('day numbers match .NET: 0001-01-01 is day 0 and 1970-01-01 is day 719162', () => {
  assert.equal(daysFromCivil(1, 1, 1), 0);
  assert.equal(daysFromCivil(1970, 1, 1), 719_162);
  assert.equal(ticksFromParts(1970, 1, 1), UNIX_EPOCH_TICKS);
  for (const days of [0, 59, 60, 365, 719_162, 738_000, 3_652_058]) {
    const { year, month, day } = civilFromDays(days);
    assert.equal(daysFromCivil(year, month, day), days);
  }
  assert.deepEqual(civilFromDays(3_652_058), { year: 9999, month: 12, day: 31 });
});

test('parts of a tick count, including day of week (Sunday = 0) and day of year', () => {
  const parts = partsOf(638_364_247_147_531_321n);
  assert.deepEqual(parts, {
    year: 2023,
    month: 11,
    day: 24,
    hour: 12,
    minute: 11,
    second: 54,
    fraction: 7_531_321,
    dayOfWeek: 5,
    dayOfYear: 328,
  });
  assert.equal(partsOf(0n).dayOfWeek, 1);
});

test('adding months clamps the day to the target month', () => {
  const jan31 = ticksFromParts(2023, 1, 31, 8);
  assert.equal(addMonths(jan31, 1), ticksFromParts(2023, 2, 28, 8));
  assert.equal(addMonths(jan31, -2), ticksFromParts(2022, 11, 30, 8));
  assert.equal(addMonths(jan31, 13), ticksFromParts(2024, 2, 29, 8));
});

test('converting to and from JavaScript time keeps milliseconds', () => {
  const timestamp = fromDate(new Date('2024-05-01T10:00:00.123Z'));
  assert.equal(timestamp.kind, 'utc');
  assert.equal(toEpochMilliseconds(timestamp.ticks), Date.parse('2024-05-01T10:00:00.123Z'));
  assert.equal(toEpochMilliseconds(UNIX_EPOCH_TICKS - 5n), -1);
});
