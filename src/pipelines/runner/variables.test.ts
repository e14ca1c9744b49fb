import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActivityFailure } from './activity-failure.ts';
import { valueTypeName, VariableStore, variableType } from './variables.ts';

test('all spellings of variable types are recognised', () => {
  assert.deepEqual(
    ['string', 'Bool', 'boolean', 'Int', 'INTEGER', 'Float', 'array', 'Object'].map(variableType),
    ['String', 'Boolean', 'Boolean', 'Integer', 'Integer', 'Float', 'Array', undefined],
  );
});

test('defaults follow the declared default, else the type', () => {
  const store = new VariableStore({
    s: { type: 'String' },
    b: { type: 'Boolean' },
    i: { type: 'Int' },
    f: { type: 'Float' },
    a: { type: 'Array' },
    d: { type: 'String', defaultValue: 'Running' },
  });
  assert.deepEqual(
    ['s', 'b', 'i', 'f', 'a', 'd'].map((n) => store.get(n)?.value),
    ['', false, 0, 0, [], 'Running'],
  );
  assert.equal(store.get('missing'), undefined);
  assert.equal(store.get('D')?.value, 'Running', 'names fall back to a case-insensitive match');
});

test('assignments are type-checked; integers fit Float variables but not the reverse', () => {
  const store = new VariableStore({ i: { type: 'Integer' }, f: { type: 'Float' }, b: { type: 'Bool' } });
  store.set('f', 2);
  store.set('i', 3);
  assert.equal(store.get('f')?.value, 2);
  assert.throws(
    () => {
      store.set('i', 2.5);
    },
    (e: unknown) => e instanceof ActivityFailure && e.message.includes("with value of type 'Float'"),
  );
  assert.throws(() => {
    store.set('b', 'true');
  }, /of type 'Boolean' cannot be initialized or updated with value of type 'String'/);
});

test('append replaces the array instead of mutating it', () => {
  const store = new VariableStore({ a: { type: 'Array' } });
  const before = store.get('a')?.value;
  store.append('a', [1]);
  assert.deepEqual(before, []);
  assert.deepEqual(store.get('a')?.value, [[1]]);
});

test('value type names', () => {
  assert.deepEqual([null, 'x', true, 1, 1.5, [], {}].map(valueTypeName), [
    'Null',
    'String',
    'Boolean',
    'Integer',
    'Float',
    'Array',
    'Object',
  ]);
});
