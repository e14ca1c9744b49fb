import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prop, optionalEnum, optionalInteger, optionalDurationSeconds } from './wire-values.ts';

test('property names match without regard to case', () => {
  assert.equal(prop({ InputData: 1 }, 'inputData'), 1);
  assert.equal(prop({ inputdata: 2 }, 'InputData'), 2);
  assert.equal(prop('x', 'a'), undefined);
});

test('enums match case-insensitively and across snake and Pascal case', () => {
  assert.equal(optionalEnum('append_row', 'f', ['AppendRow', 'SummaryOnly'] as const), 'AppendRow');
  assert.equal(optionalEnum('uri_folder', 'f', ['UriFolder', 'UriFile'] as const), 'UriFolder');
  assert.throws(
    () => optionalEnum('sideways', 'settings.output_action', ['AppendRow'] as const),
    /settings\.output_action/,
  );
});

test('numbers may arrive as strings; ranges are checked', () => {
  assert.equal(optionalInteger('5', 'miniBatchSize', { min: 1 }), 5);
  assert.throws(() => optionalInteger('0', 'miniBatchSize', { min: 1 }), /at least 1/);
  assert.throws(() => optionalInteger('1.5', 'x'), /whole number/);
});

test('durations in ISO-8601 or seconds', () => {
  assert.equal(optionalDurationSeconds('PT30S', 't'), 30);
  assert.equal(optionalDurationSeconds('PT5M', 't'), 300);
  assert.equal(optionalDurationSeconds('P1DT1H', 't'), 90000);
  assert.equal(optionalDurationSeconds(45, 't'), 45);
  assert.throws(() => optionalDurationSeconds('soon', 'retrySettings.timeout'), /retrySettings\.timeout/);
});
