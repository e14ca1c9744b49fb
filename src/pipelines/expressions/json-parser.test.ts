import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonSyntaxError, parseJsonText } from './json-parser.ts';
import { FloatNumber } from './values.ts';

test('reads JSON keeping floats, big integers and special keys', () => {
  assert.deepEqual(
    parseJsonText('{"a": 1, "b": 1.0, "c": -2.5e3, "d": [true, false, null], "e": "\\u00e9\\n"}'),
    {
      a: 1,
      b: new FloatNumber(1),
      c: new FloatNumber(-2500),
      d: [true, false, null],
      e: 'é\n',
    },
  );
  assert.equal(parseJsonText('12345678901234567890'), Number('12345678901234567890'));
  assert.equal(parseJsonText('9007199254740993'), 9007199254740993n);
  const proto = parseJsonText('{"__proto__": 1}') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.equal(Object.hasOwn(proto, '__proto__'), true);
});

test('accepts the lenient forms Newtonsoft accepts', () => {
  assert.deepEqual(parseJsonText("{'a': 'b', c: 1}"), { a: 'b', c: 1 });
  assert.deepEqual(parseJsonText('{"a": 1, "a": 2}'), { a: 2 });
  assert.deepEqual(parseJsonText('  [ ]  '), []);
});

test('rejects malformed text with a position', () => {
  for (const text of ['', '{', '[1,]', '{"a" 1}', '01', 'tru', '"open', '{"a":1}}', '"\\x"']) {
    assert.throws(() => parseJsonText(text), JsonSyntaxError, text);
  }
});

test('objects and arrays nest at most 64 deep; 10,000 deep fails with the position, not the stack', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  assert.equal(JSON.stringify(parseJsonText(nested(64))).length, 128);
  for (const text of [nested(65), '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)]) {
    assert.throws(
      () => parseJsonText(text),
      /^JsonSyntaxError: The JSON nests deeper than 64 levels at position \d+$/,
    );
  }
});
