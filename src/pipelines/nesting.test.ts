import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPath, MAX_NESTING, pathTooDeep } from './nesting.ts';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

test('values nested up to the limit fit; deeper ones give the path of the first container too deep', () => {
  assert.equal(pathTooDeep(nested(MAX_NESTING)), undefined);
  assert.equal(pathTooDeep({ a: [1, { b: 'x' }], c: null }, 3), undefined);
  assert.deepEqual(pathTooDeep({ a: [1, { b: {} }], c: null }, 3), ['a', 1, 'b']);
  assert.equal(pathTooDeep(nested(MAX_NESTING + 1))?.length, MAX_NESTING);
  assert.equal(pathTooDeep(nested(10_000))?.length, MAX_NESTING);
});

test('paths read like property paths and are shortened in the middle', () => {
  assert.equal(formatPath(['typeProperties', 'body', 0, 'odd key']), 'typeProperties.body[0]["odd key"]');
  assert.equal(formatPath(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']), 'a.b.c.d.e.f….i.j');
});
