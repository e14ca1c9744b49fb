import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ticksFromParts } from './calendar.ts';
import { parseTimestamp } from './parse-timestamp.ts';

test('ISO 8601 forms, with the kind set by the presence of a zone', () => {
  assert.deepEqual(parseTimestamp('2024-05-01T10:00:00Z'), {
    ticks: ticksFromParts(2024, 5, 1, 10),
    kind: 'utc',
  });
  assert.deepEqual(parseTimestamp('2024-05-01T10:00:00'), {
    ticks: ticksFromParts(2024, 5, 1, 10),
    kind: 'unspecified',
  });
  assert.deepEqual(parseTimestamp('2024-05-01'), { ticks: ticksFromParts(2024, 5, 1), kind: 'unspecified' });
  assert.deepEqual(parseTimestamp('2024-05-01 10:00'), {
    ticks: ticksFromParts(2024, 5, 1, 10),
    kind: 'unspecified',
  });
  assert.deepEqual(parseTimestamp('2024-05-01T12:30:00+02:30'), {
    ticks: ticksFromParts(2024, 5, 1, 10),
    kind: 'utc',
  });
  assert.deepEqual(parseTimestamp('2024-05-01T05:00:00-0500'), {
    ticks: ticksFromParts(2024, 5, 1, 10),
    kind: 'utc',
  });
  assert.deepEqual(parseTimestamp(' 2024-05-01t10:00:00z '), {
    ticks: ticksFromParts(2024, 5, 1, 10),
    kind: 'utc',
  });
});

test('fractions keep 100-ns precision and longer fractions are truncated', () => {
  assert.equal(
    parseTimestamp('2024-05-01T10:00:00.1234567Z')?.ticks,
    ticksFromParts(2024, 5, 1, 10, 0, 0, 1_234_567),
  );
  assert.equal(
    parseTimestamp('2024-05-01T10:00:00.5Z')?.ticks,
    ticksFromParts(2024, 5, 1, 10, 0, 0, 5_000_000),
  );
  assert.equal(
    parseTimestamp('2024-05-01T10:00:00.123456789Z')?.ticks,
    ticksFromParts(2024, 5, 1, 10, 0, 0, 1_234_567),
  );
});

test('US, year-first slashed and RFC 1123 forms', () => {
  assert.deepEqual(parseTimestamp('03/15/2018 12:00:00'), {
    ticks: ticksFromParts(2018, 3, 15, 12),
    kind: 'unspecified',
  });
  assert.deepEqual(parseTimestamp('3/5/2018 1:05 PM'), {
    ticks: ticksFromParts(2018, 3, 5, 13, 5),
    kind: 'unspecified',
  });
  assert.deepEqual(parseTimestamp('3/5/2018 12:00:00 AM'), {
    ticks: ticksFromParts(2018, 3, 5, 0),
    kind: 'unspecified',
  });
  assert.deepEqual(parseTimestamp('2018/03/15'), { ticks: ticksFromParts(2018, 3, 15), kind: 'unspecified' });
  assert.deepEqual(parseTimestamp('Thu, 15 Mar 2018 12:00:00 GMT'), {
    ticks: ticksFromParts(2018, 3, 15, 12),
    kind: 'utc',
  });
});

test('invalid dates and times are rejected', () => {
  for (const text of [
    '',
    'yesterday',
    '2023-02-29',
    '2024-13-01',
    '2024-05-01T24:00:00',
    '2024-05-01T10:60',
    '13/01/2024',
    '2024-05-01T10:00:00+',
  ]) {
    assert.equal(parseTimestamp(text), undefined, text);
  }
  assert.notEqual(parseTimestamp('2024-02-29'), undefined);
});
