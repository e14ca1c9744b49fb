import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { secretBoxFromKey } from '../../auth/secrets/secret-box.ts';
import { ValidationError } from '../../core/errors.ts';
import type { PipelineProperties } from '../definition/model.ts';
import { maskSecureStrings, openSecureStrings, sealSecureStrings } from './secure-strings.ts';

const box = secretBoxFromKey(randomBytes(32));
const secure = (value: string) => ({ type: 'SecureString', value });

function definition(password: string, token: string, key: string): PipelineProperties {
  return {
    parameters: {
      apiKey: { type: 'securestring', defaultValue: key },
      plain: { type: 'String', defaultValue: 'visible' },
    },
    activities: [
      {
        name: 'Loop',
        type: 'ForEach',
        typeProperties: {
          items: { value: '@createArray(1)', type: 'Expression' },
          activities: [
            {
              name: 'Call',
              type: 'WebActivity',
              typeProperties: {
                method: 'POST',
                url: 'http://h/',
                authentication: { type: 'Basic', username: 'u', password: secure(password) },
                headers: { 'x-token': secure(token) },
                body: { nested: [secure(token)] },
              },
            },
          ],
        },
      },
    ],
  };
}

test('secrets are sealed for storage, masked for reads and opened for runs; other values are untouched', () => {
  const sealed = sealSecureStrings(definition('pw', 'tok', 'key'), box, undefined);
  const text = JSON.stringify(sealed);
  for (const secret of ['"pw"', '"tok"', '"key"']) assert.ok(!text.includes(secret), secret);
  assert.equal((text.match(/nsbox1:/g) ?? []).length, 4);
  assert.deepEqual(maskSecureStrings(sealed), definition('***', '***', '***'));
  assert.deepEqual(openSecureStrings(sealed, box), definition('pw', 'tok', 'key'));
});

test("'***' sent back keeps the secret stored at that place", () => {
  const stored = sealSecureStrings(definition('pw', 'tok', 'key'), box, undefined);
  const edited = sealSecureStrings(definition('***', 'new-token', '***'), box, stored);
  assert.deepEqual(openSecureStrings(edited, box), definition('pw', 'new-token', 'key'));
});

test("'***' with no stored secret at that place is refused, naming the activity and property", () => {
  assert.throws(
    () => sealSecureStrings(definition('***', 'tok', 'key'), box, undefined),
    (error: unknown) =>
      error instanceof ValidationError &&
      /^Activity 'Call': typeProperties\.authentication\.password\.value is '\*\*\*'/.test(error.message),
  );
  assert.throws(
    () => sealSecureStrings(definition('pw', 'tok', '***'), box, undefined),
    /: properties\.parameters\.apiKey\.defaultValue is '\*\*\*'/,
  );
});

test('definitions stored before sealing run with their plain values', () => {
  assert.deepEqual(openSecureStrings(definition('pw', 'tok', 'key'), box), definition('pw', 'tok', 'key'));
});
