import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorTable, evaluate, resultTable } from '../../../test/support/pipelines/fake-context.ts';

const parameters = {
  obj: {
    Name: 'exact',
    name: 'lower',
    'Operation-Location': 'https://x/op',
    nested: { list: [10, 20, 30] },
    nothing: null,
  },
  key: 'nested',
  list: ['a', 'b'],
};

resultTable(
  test,
  [
    ['@pipeline().parameters.obj.Name', 'exact'],
    ['@pipeline().parameters.obj.name', 'lower'],
    ['@pipeline().parameters.obj.NAME', 'exact'],
    ["@pipeline().parameters.obj['Operation-Location']", 'https://x/op'],
    ["@pipeline().parameters.obj['operation-location']", 'https://x/op'],
    ['@pipeline().parameters.obj[pipeline().parameters.key].list[1]', 20],
    ['@pipeline().parameters.obj.nested.list[add(1, 1)]', 30],
    ['@pipeline().parameters.obj.nested.list[div(2.0, 1)]', 30],
    ['@pipeline().parameters.obj.nothing', null],
    ['@pipeline().parameters.obj.nothing?.deeper', null],
    ['@pipeline().parameters.obj?.missing', null],
    ["@pipeline().parameters.obj?['missing']", null],
    ['@pipeline().parameters.list?[5]', null],
    ['@pipeline().parameters.obj.nothing?[0]', null],
    ["@createArray('a', 'b')[1]", 'b'],
    ["@createArray('a', createArray('a', 'b'))[1][1]", 'b'],
    ["@json('{\"a\":{\"b\":1}}')['a']['b']", 1],
    ["@  concat(  'a' ,'b' )  \n", 'ab'],
    ['@true', true],
    ['@null', null],
    ['@-5', -5],
    ['@1.50', 1.5],
    ["@'just a string'", 'just a string'],
  ],
  { parameters },
);

test('a property accessor does not reach Object.prototype', () => {
  assert.throws(
    () => evaluate('@pipeline().parameters.obj.constructor', { parameters }),
    /property 'constructor' doesn't exist/,
  );
  assert.throws(
    () => evaluate('@pipeline().parameters.obj.toString', { parameters }),
    /property 'toString' doesn't exist/,
  );
});

test('values missing in a JSON object read as null, not undefined', () => {
  assert.equal(evaluate('@pipeline().parameters.o.u', { parameters: { o: { u: undefined } } }), null);
});

errorTable(
  test,
  [
    [
      '@pipeline().parameters.obj.missing',
      /^The template language expression 'pipeline\(\).parameters.obj.missing' cannot be evaluated because property 'missing' doesn't exist, available properties are 'Name, name, Operation-Location, nested, nothing'\.$/,
    ],
    [
      '@pipeline().parameters.obj.nothing.deeper',
      /property 'deeper' cannot be selected. Property selection is not supported on values of type 'Null'/,
    ],
    [
      '@pipeline().parameters.key.length',
      /property 'length' cannot be selected. Property selection is not supported on values of type 'String'/,
    ],
    ['@pipeline().parameters.list.first', /values of type 'Array'/],
    ['@pipeline().parameters.list[2]', /array index '2' is outside bounds \(0, 1\) of array/],
    ['@pipeline().parameters.list[-1]', /array index '-1' is outside bounds/],
    [
      "@pipeline().parameters.list['a']",
      /an index of type 'String' cannot be applied to a value of type 'Array'/,
    ],
    [
      '@pipeline().parameters.obj[0]',
      /an index of type 'Integer' cannot be applied to a value of type 'Object'/,
    ],
    ['@pipeline().parameters.key[0]', /cannot be applied to a value of type 'String'/],
    ['@pipeline().parameters.list[0.5]', /an index of type 'Float'/],
    ['@unknownFunction()', /^The template function 'unknownFunction' is not defined or not valid\.$/],
  ],
  { parameters },
);
