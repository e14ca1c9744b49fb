/** The monitoring input record of spec §2.6: evaluated properties with every secret masked. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { webActivityInputRecord } from './input-record.ts';

test('credential headers are masked, others kept', () => {
  const record = webActivityInputRecord({
    method: 'POST',
    url: 'http://h/',
    headers: {
      authorization: 'Bearer t',
      'Ocp-Apim-Subscription-Key': 'k',
      'x-functions-key': 'f',
      'Content-Type': 'application/json',
    },
    body: { a: 1 },
  });
  assert.deepEqual(record, {
    method: 'POST',
    url: 'http://h/',
    headers: {
      authorization: '**********',
      'Ocp-Apim-Subscription-Key': '**********',
      'x-functions-key': '**********',
      'Content-Type': 'application/json',
    },
    body: { a: 1 },
  });
});

test('headers given as a JSON string are masked too', () => {
  const record = webActivityInputRecord({ headers: '{"Authorization": "Basic x", "Accept": "*/*"}' });
  assert.deepEqual(record.headers, { Authorization: '**********', Accept: '*/*' });
});

test('authentication secrets are masked in every form; Key Vault references stay readable', () => {
  const keyVault = { type: 'AzureKeyVaultSecret', store: { referenceName: 'KV' }, secretName: 'pw' };
  const record = webActivityInputRecord({
    authentication: { type: 'Basic', username: 'u', password: 'plain' },
  });
  assert.deepEqual(record.authentication, { type: 'Basic', username: 'u', password: '**********' });
  const sp = webActivityInputRecord({
    authentication: {
      type: 'ServicePrincipal',
      servicePrincipalKey: keyVault,
      pfx: { type: 'SecureString', value: 'MII' },
    },
  });
  assert.deepEqual(sp.authentication, {
    type: 'ServicePrincipal',
    servicePrincipalKey: keyVault,
    pfx: { type: 'SecureString', value: '**********' },
  });
});

test('a SecureString anywhere else is masked; the source is not modified', () => {
  const props = { body: { nested: [{ type: 'SecureString', value: 'hidden' }] } };
  assert.deepEqual(webActivityInputRecord(props), {
    body: { nested: [{ type: 'SecureString', value: '**********' }] },
  });
  assert.equal(props.body.nested[0]?.value, 'hidden');
});

test('secureInput hides everything', () => {
  assert.deepEqual(webActivityInputRecord({ url: 'http://h/', body: 'secret' }, { secureInput: true }), {
    secureInput: '**********',
  });
});
