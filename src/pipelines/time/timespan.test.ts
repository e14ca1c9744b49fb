import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatShortTimespan, formatTimespan, parseTimespan } from './timespan.ts';

test('parses day, hour, minute, second and fraction parts', () => {
  assert.equal(parseTimespan('0.12:00:00'), 12 * 3600_000);
  assert.equal(parseTimespan('7.00:00:00'), 7 * 86_400_000);
  assert.equal(parseTimespan('00:01:00'), 60_000);
  assert.equal(parseTimespan('00:00:01.5'), 1500);
  assert.equal(parseTimespan(' 1.02:03:04 '), ((26 * 60 + 3) * 60 + 4) * 1000);
});

test('rejects texts that are not timespans', () => {
  assert.equal(parseTimespan('12:00'), undefined);
  assert.equal(parseTimespan('0.25:00:00'), undefined);
  assert.equal(parseTimespan('abc'), undefined);
});

test('formats durations as d.hh:mm:ss', () => {
  assert.equal(formatTimespan(12 * 3600_000), '0.12:00:00');
  assert.equal(formatTimespan(90_061_500), '1.01:01:01.500');
});

test('request timeouts print as hh:mm:ss, with days only when needed', () => {
  assert.equal(formatShortTimespan(60_000), '00:01:00');
  assert.equal(formatShortTimespan(330_000), '00:05:30');
  assert.equal(formatShortTimespan(86_400_000 + 1000), '1.00:00:01');
});
