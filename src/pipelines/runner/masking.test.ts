import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MASKED, SecretMasker } from './masking.ts';

test('secrets are masked wherever they appear in text, longest first', () => {
  const masker = new SecretMasker(['hunter2', 'hunter2-long', '']);
  assert.deepEqual(masker.mask({ a: 'Bearer hunter2-long', b: ['x hunter2 y'], c: 5 }), {
    a: `Bearer ${MASKED}`,
    b: [`x ${MASKED} y`],
    c: 5,
  });
});

test('short secrets are masked only as whole values', () => {
  const masker = new SecretMasker(['ab']);
  assert.deepEqual(masker.mask(['ab', 'cab']), [MASKED, 'cab']);
  assert.equal(new SecretMasker([]).isEmpty, true);
});
