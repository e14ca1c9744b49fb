/** Durations in WebActivity messages. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTimeSpan } from './timespan.ts';

test('formats back for messages', () => {
  assert.equal(formatTimeSpan(60_000), '00:01:00');
  assert.equal(formatTimeSpan(330_000), '00:05:30');
  assert.equal(formatTimeSpan(86_400_000 + 1000), '1.00:00:01');
});
