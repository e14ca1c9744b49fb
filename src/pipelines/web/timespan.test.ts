/** .NET TimeSpan text as Data Factory writes it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTimeSpan, parseTimeSpan } from './timespan.ts';

test('parses hh:mm:ss, a day part and a fraction', () => {
  assert.equal(parseTimeSpan('00:01:00'), 60_000);
  assert.equal(parseTimeSpan('0.12:00:00'), 12 * 3_600_000);
  assert.equal(parseTimeSpan('7.00:00:00'), 7 * 86_400_000);
  assert.equal(parseTimeSpan('00:00:30.25'), 30_250);
});

test('rejects text that is not a TimeSpan', () => {
  assert.equal(parseTimeSpan('1m'), undefined);
  assert.equal(parseTimeSpan('00:60:00'), undefined);
  assert.equal(parseTimeSpan('24:00:00'), undefined);
  assert.equal(parseTimeSpan(''), undefined);
});

test('formats back for messages', () => {
  assert.equal(formatTimeSpan(60_000), '00:01:00');
  assert.equal(formatTimeSpan(330_000), '00:05:30');
  assert.equal(formatTimeSpan(86_400_000 + 1000), '1.00:00:01');
});
