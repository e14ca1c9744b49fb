import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorTable, evaluate, resultTable } from '../../../../test/support/pipelines/fake-context.ts';

resultTable(test, [
  ['@add(1, 1.5)', 2.5],
  ['@add(1, 2)', 3],
  ['@add(-1, 1)', 0],
  ['@string(add(0.5, 0.5))', '1'],
  ['@string(add(0.1, 0.2))', '0.30000000000000004'],
  ['@sub(10.3, .3)', 10],
  ['@sub(1, 3)', -2],
  ['@mul(1, 2)', 2],
  ['@mul(1.5, 2)', 3],
  ['@div(10, 5)', 2],
  ['@div(11, 5)', 2],
  ['@div(-11, 5)', -2],
  ['@div(11, 5.0)', 2.2],
  ['@div(1, 60.0)', 0.016666666666666666],
  ['@string(div(1, 60.0))', '0.016666666666666666'],
  ['@mod(3, 2)', 1],
  ['@mod(-7, 3)', -1],
  ['@mod(7.5, 2)', 1.5],
  ['@max(1, 2, 3)', 3],
  ['@max(createArray(1, 2, 3))', 3],
  ['@max(1, 2.5)', 2.5],
  ['@min(1, 2, 3)', 1],
  ['@min(createArray(4, -1.5, 3))', -1.5],
  ['@rand(1, 5)', 3],
  ['@rand(7, 7)', 7],
  ['@range(1, 4)', [1, 2, 3, 4]],
  ['@range(0, 0)', []],
  ['@range(-2, 3)', [-2, -1, 0]],
  ['@string(add(9007199254740992, 1))', '9007199254740993'],
  ['@string(mul(3037000499, 3037000499))', '9223372030926249001'],
  ["@string(sub(ticks('2024-01-01T00:00:01Z'), ticks('2024-01-01T00:00:00Z')))", '10000000'],
  ["@div(sub(ticks('2024-01-01T01:00:00Z'), ticks('2024-01-01T00:00:00Z')), 10000000)", 3600],
]);

test('int stays int and float stays float through arithmetic, which div shows', () => {
  assert.equal(evaluate('@div(add(1, 2), 2)'), 1);
  assert.equal(evaluate('@div(add(1.0, 2), 2)'), 1.5);
  assert.equal(evaluate('@div(mul(1.5, 2), 2)'), 1.5);
});

errorTable(test, [
  ['@div(1, 0)', /'div' was invoked with a parameter that is not valid. The divisor cannot be zero/],
  ['@div(1.5, 0.0)', /divisor cannot be zero/],
  ['@mod(1, 0)', /'mod'.*divisor cannot be zero/],
  [
    "@add('1', 2)",
    /'add' expects its first parameter to be an integer or a decimal number. The provided value is of type 'String'/,
  ],
  [
    '@sub(1, null)',
    /'sub' expects its second parameter to be an integer or a decimal number. The provided value is of type 'Null'/,
  ],
  ['@mul(9223372036854775807, 2)', /'mul' overflowed/],
  ["@max(1, 'a')", /'max' expects its second parameter to be an integer or a decimal number/],
  ['@max(createArray())', /'max'.*must not be empty/],
  ['@rand(5, 1)', /'rand'.*cannot be greater/],
  ['@range(0, -1)', /'range'.*count '-1'/],
  ['@range(1.5, 2)', /'range' expects its first parameter to be an integer/],
]);
