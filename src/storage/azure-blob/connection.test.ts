/** Unit tests of how a datastore's endpoint settings become the account's Blob service URL. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountUrlOf } from './connection.ts';

test('a DNS suffix gives Azure-style account URLs, https unless the protocol says otherwise', () => {
  assert.equal(accountUrlOf({ accountName: 'acct' }), 'https://acct.blob.core.windows.net');
  assert.equal(
    accountUrlOf({ accountName: 'acct', endpoint: 'core.chinacloudapi.cn', protocol: 'http' }),
    'http://acct.blob.core.chinacloudapi.cn',
  );
});

test('a full account URL is taken as given, without its trailing slash', () => {
  assert.equal(
    accountUrlOf({ accountName: 'devstoreaccount1', endpoint: 'http://127.0.0.1:10000/devstoreaccount1/' }),
    'http://127.0.0.1:10000/devstoreaccount1',
  );
});
