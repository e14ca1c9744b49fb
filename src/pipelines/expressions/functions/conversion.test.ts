import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorTable, evaluate, resultTable } from '../../../../test/support/pipelines/fake-context.ts';

resultTable(test, [
  ["@array('hello')", ['hello']],
  ['@array(null)', [null]],
  ["@createArray('h', 'e', 'l', 'l', 'o')", ['h', 'e', 'l', 'l', 'o']],
  ['@createArray()', []],
  ["@createArray('a', createArray('b', 'c'))[1][0]", 'b'],
  ['@bool(1)', true],
  ['@bool(0)', false],
  ['@bool(0.5)', true],
  ["@bool('true')", true],
  ["@bool('False')", false],
  ["@bool(' TRUE ')", true],
  ['@bool(true)', true],
  ["@int('10')", 10],
  ["@int(' -42 ')", -42],
  ['@int(7)', 7],
  ['@int(2.5)', 2],
  ['@int(3.5)', 4],
  ['@int(-2.7)', -3],
  ["@string(int('9223372036854775807'))", '9223372036854775807'],
  ["@float('10.333')", 10.333],
  ["@float('1,000.5')", 1000.5],
  ["@float('1e3')", 1000],
  ["@float('-.5')", -0.5],
  ['@float(2)', 2],
  ["@string(float('3'))", '3'],
  ["@div(float('3'), 2)", 1.5],
  ['@string(10)', '10'],
  ['@string(0)', '0'],
  ['@string(true)', 'True'],
  ['@string(null)', ''],
  ["@string('abc')", 'abc'],
  ['@string(0.1)', '0.1'],
  ['@string(createArray(1, 2))', '[1,2]'],
  ['@string(json(\'{ "name": "Sophie Owen" }\'))', '{"name":"Sophie Owen"}'],
  ['@string(json(\'{"f": 1.0, "b": false, "s": "x\\"y"}\'))', '{"f":1.0,"b":false,"s":"x\\"y"}'],
  ["@json('[1, 2, 3]')", [1, 2, 3]],
  ['@json(\'{"fullName": "Sophia Owen"}\')', { fullName: 'Sophia Owen' }],
  ["@json('{''single'': ''quotes'', bare: 1}')", { single: 'quotes', bare: 1 }],
  ['@json(\'{"a":1,"a":2}\')', { a: 2 }],
  ['@json(\'"text"\')', 'text'],
  ["@json('null')", null],
  ['@json(\'[ "field0", "field1" ]\')[1]', 'field1'],
  ['@json(\'{ "field0": [ { "field1": [ "value1", "value2" ] } ] }\').field0[0].field1[1]', 'value2'],
  ['@json(\'[ [ { "field0": "value0" }, { "field1": "value1" } ] ]\')[0][1].field1', 'value1'],
  ['@json(json(\'{"a":1}\'))', { a: 1 }],
  ['@coalesce(null, true, false)', true],
  ["@coalesce(null, 'hello', 'world')", 'hello'],
  ['@coalesce(null, null, null)', null],
  ["@coalesce('', 'x')", ''],
]);

test('json() keeps the int/float distinction and big integers that JSON.parse loses', () => {
  assert.equal(evaluate('@div(json(\'{"a": 3.0}\').a, 2)'), 1.5);
  assert.equal(evaluate('@div(json(\'{"a": 3}\').a, 2)'), 1);
  assert.equal(evaluate('@string(json(\'{"id": 9007199254740993}\').id)'), '9007199254740993');
});

test('json() treats __proto__ as an ordinary key', () => {
  assert.deepEqual(evaluate('@json(\'{"__proto__": {"x": 1}}\').__proto__.x'), 1);
});

errorTable(test, [
  [
    "@int('1.5')",
    /'int' was invoked with a parameter that is not valid. The value cannot be converted to the target type/,
  ],
  ["@int('abc')", /The value cannot be converted/],
  [
    '@int(true)',
    /'int' expects its parameter to be an integer, a float or a string. The provided value is of type 'Boolean'/,
  ],
  ["@int('99999999999999999999')", /cannot be converted/],
  ["@float('abc')", /'float' was invoked with a parameter that is not valid/],
  ["@bool('yes')", /'bool' was invoked with a parameter that is not valid/],
  ["@bool('1')", /'bool' was invoked/],
  ['@bool(null)', /'bool' expects its parameter/],
  ["@json('{bad')", /'json' parameter is not valid. The provided value '\{bad' cannot be parsed/],
  ["@json('[1,]')", /'json' parameter is not valid/],
  ['@coalesce()', /'coalesce' expects at least 1 parameter/],
]);
