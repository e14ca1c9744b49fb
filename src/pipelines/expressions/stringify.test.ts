import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDouble, toDisplayString, toJsonText } from './stringify.ts';
import { BinaryValue, FloatNumber } from './values.ts';

test('doubles print as .NET shortest round-trip text', () => {
  const cases: [number, string][] = [
    [0.016666666666666666, '0.016666666666666666'],
    [2.5, '2.5'],
    [1, '1'],
    [0.1 + 0.2, '0.30000000000000004'],
    [123456789012345, '123456789012345'],
    [1e15, '1E+15'],
    [1.5e20, '1.5E+20'],
    [0.0001, '0.0001'],
    [0.00001, '1E-05'],
    [1.234e-7, '1.234E-07'],
    [-2.5e-10, '-2.5E-10'],
    [1e100, '1E+100'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-0, '-0'],
  ];
  for (const [value, text] of cases) assert.equal(formatDouble(value), text, String(value));
});

test('display strings follow .NET: True/False, empty null, compact JSON for collections', () => {
  assert.equal(toDisplayString(true), 'True');
  assert.equal(toDisplayString(false), 'False');
  assert.equal(toDisplayString(null), '');
  assert.equal(toDisplayString(0), '0');
  assert.equal(toDisplayString(new FloatNumber(3)), '3');
  assert.equal(toDisplayString(2n ** 62n), '4611686018427387904');
  assert.equal(toDisplayString([]), '[]');
  assert.equal(toDisplayString({ a: 1, b: [true, null, 'x'] }), '{"a":1,"b":[true,null,"x"]}');
  assert.equal(toDisplayString(new BinaryValue('text/plain', Buffer.from('hi'))), 'hi');
  assert.equal(toDisplayString(new BinaryValue('application/octet-stream', Buffer.from('hi'))), 'aGk=');
});

test('JSON text writes whole floats with .0 and escapes like Newtonsoft', () => {
  assert.equal(toJsonText([new FloatNumber(1), 1, 0.5, 1e20]), '[1.0,1,0.5,1E+20]');
  assert.equal(toJsonText({ 'a"b': 'line\nbreak\u2028' }), '{"a\\"b":"line\\nbreak\\u2028"}');
  assert.equal(toJsonText(9223372036854775807n), '9223372036854775807');
  assert.equal(
    toJsonText(new BinaryValue('application/octet-stream', Buffer.from('hi'))),
    '{"$content-type":"application/octet-stream","$content":"aGk="}',
  );
});
