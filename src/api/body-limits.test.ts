import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { ValidationError } from '../core/errors.ts';
import { capped, checkJsonLimits, JSON_LIMITS } from './body-limits.ts';
import { PayloadTooLargeError } from './errors.ts';

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

function refusal(value: unknown): ValidationError {
  try {
    checkJsonLimits(value);
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    return error;
  }
  assert.fail('accepted');
}

test('64 levels of nesting pass; the 65th is refused naming where and the limit', () => {
  checkJsonLimits(nested(64));
  const error = refusal({ properties: nested(64) });
  assert.match(error.message, /^The JSON body at 'properties(\.a)+' is nested deeper than 64 levels/);
  assert.equal(error.status, 400);
});

test('a body nested 100,000 deep is refused without recursion', () => {
  const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
  assert.match(refusal(deep).message, /\[0\]\[0\].*deeper than 64 levels/);
});

test('long strings and keys, and long arrays, are refused naming the JSON path', () => {
  const long = 'x'.repeat(JSON_LIMITS.maxString + 1);
  checkJsonLimits({ ok: 'x'.repeat(JSON_LIMITS.maxString) });
  assert.match(
    refusal({ a: [0, { b: long }] }).message,
    /at 'a\[1\]\.b' is a string of 65537 characters; the limit is 65536/,
  );
  assert.match(refusal({ a: { [long]: 1 } }).message, /at 'a' has a key of 65537 characters/);
  checkJsonLimits({ list: new Array(10_000).fill(0) });
  assert.match(
    refusal({ list: new Array(10_001).fill(0) }).message,
    /at 'list' is an array of 10001 items; the limit is 10000/,
  );
  assert.match(refusal(long).message, /at '\(the body\)' is a string/);
});

test('a route may allow longer strings', () => {
  checkJsonLimits({ script: 'x'.repeat(100_000) }, { ...JSON_LIMITS, maxString: 200_000 });
});

test('a hostile key cannot make the message long', () => {
  const key = 'k'.repeat(1000);
  const error = refusal({ [key]: { [key]: { [key]: nested(70) } } });
  assert.ok(error.message.length < 400, error.message);
});

test('an upload stream passes up to its cap and fails with a 413 past it', async () => {
  assert.equal(await text(capped(Readable.from([Buffer.from('abc'), Buffer.from('de')]), 5)), 'abcde');
  await assert.rejects(
    text(capped(Readable.from([Buffer.from('abc'), Buffer.from('def')]), 5)),
    (e: unknown) => e instanceof PayloadTooLargeError && e.status === 413 && /5 bytes/.test(e.message),
  );
});
