import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimespan } from './timespan.ts';

test('timespans with and without days, with fractions', () => {
  assert.equal(parseTimespan('0.12:00:00'), 12 * 3600_000);
  assert.equal(parseTimespan('7.00:00:00'), 7 * 24 * 3600_000);
  assert.equal(parseTimespan('00:01:00'), 60_000);
  assert.equal(parseTimespan('1:02:03.5'), 3723_500);
});

test('anything else is not a timespan', () => {
  for (const text of ['12:00', '0.24:00:00', '00:60:00', '1 day', '', '-00:01:00']) {
    assert.equal(parseTimespan(text), undefined, text);
  }
});
