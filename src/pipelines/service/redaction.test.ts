import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactSecrets, REDACTED } from './redaction.ts';

test('credential keys and JWT-looking text are redacted at any depth; other values are kept', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl';
  const record = {
    output: { access_token: jwt, token_type: 'Bearer', expires_in: '3599', nested: [{ Password: 'p' }] },
    input: { headers: { Authorization: `Bearer ${jwt}` }, body: `token=${jwt}&x=1`, url: 'http://h/x' },
    empty: { client_secret: '' },
  };
  assert.deepEqual(redactSecrets(record), {
    output: {
      access_token: REDACTED,
      token_type: 'Bearer',
      expires_in: '3599',
      nested: [{ Password: REDACTED }],
    },
    input: { headers: { Authorization: REDACTED }, body: `token=${REDACTED}&x=1`, url: 'http://h/x' },
    empty: { client_secret: '' },
  });
});
