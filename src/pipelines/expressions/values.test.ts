import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BinaryValue, FloatNumber, asBinary, kindOf, makeFloat, makeInteger, toJsonValue } from './values.ts';

test('kinds: whole JS numbers are integers, FloatNumber and fractions are floats', () => {
  assert.equal(kindOf(1), 'Integer');
  assert.equal(kindOf(2n ** 60n), 'Integer');
  assert.equal(kindOf(1.5), 'Float');
  assert.equal(kindOf(new FloatNumber(1)), 'Float');
  assert.equal(kindOf(1e20), 'Float');
  assert.equal(kindOf(null), 'Null');
  assert.equal(kindOf('x'), 'String');
  assert.equal(kindOf([]), 'Array');
  assert.equal(kindOf({}), 'Object');
  assert.equal(kindOf(new BinaryValue('a/b', new Uint8Array())), 'Binary');
});

test('makeInteger keeps small results as numbers and rejects 64-bit overflow', () => {
  assert.equal(makeInteger(5n), 5);
  assert.equal(makeInteger(2n ** 60n), 2n ** 60n);
  assert.equal(makeInteger(2n ** 63n), undefined);
  assert.equal(makeInteger(-(2n ** 63n)), -(2n ** 63n));
  assert.deepEqual(makeFloat(2), new FloatNumber(2));
  assert.equal(makeFloat(2.5), 2.5);
});

test('toJsonValue converts deeply and always returns fresh containers', () => {
  const plain = { a: [1, { b: 'x' }] };
  const copy = toJsonValue(plain);
  assert.deepEqual(copy, plain);
  assert.notEqual(copy, plain);
  assert.notEqual(copy.a, plain.a);
  assert.deepEqual(toJsonValue({ a: [new FloatNumber(2), 2n ** 60n] }), { a: [2, 1152921504606846976] });
  assert.deepEqual(toJsonValue([undefined as never]), [null]);
});

test('asBinary reads $content objects back into bytes', () => {
  const binary = asBinary({ '$content-type': 'text/plain', $content: 'aGk=' });
  assert.ok(binary);
  assert.equal(binary.contentType, 'text/plain');
  assert.equal(Buffer.from(binary.bytes).toString(), 'hi');
  assert.equal(asBinary({ $content: 1 }), undefined);
});
