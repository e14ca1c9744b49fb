import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coerceParameterText, ParameterError, resolveParameters } from './parameters.ts';

const declared = {
  endpoint: { type: 'string' },
  poll: { type: 'int', defaultValue: 120 },
  options: { type: 'object', defaultValue: { a: 1 } },
  secret: { type: 'securestring', defaultValue: 's3cret' },
};

test('supplied values override defaults and required parameters must be supplied', () => {
  const resolved = resolveParameters(declared, { endpoint: 'https://x', poll: 5 });
  assert.deepEqual(resolved.values, { endpoint: 'https://x', poll: 5, options: { a: 1 }, secret: 's3cret' });
  assert.deepEqual(resolved.secureNames, ['secret']);
  assert.throws(
    () => resolveParameters(declared, {}),
    (e: unknown) =>
      e instanceof ParameterError &&
      e.message === "No value was provided for the required parameter 'endpoint'.",
  );
});

test('unknown parameter names are refused; names match ignoring case', () => {
  assert.throws(
    () => resolveParameters(declared, { endpoint: 'x', typo: 1 }),
    /The pipeline has no parameter named 'typo'\./,
  );
  assert.equal(resolveParameters(declared, { ENDPOINT: 'x' }).values.endpoint, 'x');
});

test('text input is converted to the declared type', () => {
  const resolved = resolveParameters(
    declared,
    { endpoint: 'https://x', poll: '30', options: '{"b": [1]}' },
    { fromText: true },
  );
  assert.equal(resolved.values.poll, 30);
  assert.deepEqual(resolved.values.options, { b: [1] });
  assert.equal(coerceParameterText('f', 'Float', '0.5'), 0.5);
  assert.equal(coerceParameterText('b', 'bool', 'TRUE'), true);
  assert.deepEqual(coerceParameterText('a', 'Array', '[1,2]'), [1, 2]);
  assert.equal(coerceParameterText('s', 'String', '120'), '120');
});

test('text that does not fit the declared type is refused', () => {
  assert.throws(
    () => coerceParameterText('n', 'Int', '1.5'),
    /The value '1.5' of parameter 'n' is not a valid Int\./,
  );
  assert.throws(() => coerceParameterText('b', 'Bool', 'yes'), /not a valid Bool/);
  assert.throws(() => coerceParameterText('a', 'Array', '{}'), /not a valid Array/);
  assert.throws(() => coerceParameterText('o', 'Object', 'nope'), /not a valid Object/);
});
