/**
 * The audit table's principal: one label per identity whichever name the server recorded it by (object
 * id on calls, app or client id on token requests, the OS user of the local owner), the raw name when the
 * directory could not be read, `(unauthenticated)` when there was none; and an action for every row.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTable } from '../../output/table.ts';
import { ACCESS_TABLES } from './access-views.ts';
import { principalLabels, withPrincipalName } from './audit-commands.ts';

const labels = principalLabels(
  [
    { displayName: 'root (local owner)', appId: 'app-1', objectId: 'obj-1', localUser: 'root' },
    { displayName: 'orchestrator', appId: 'app-2', objectId: 'obj-2' },
  ],
  [{ name: 'etl-host', clientId: 'client-3', objectId: 'obj-3' }],
);

test('every name of an identity maps to its one label', () => {
  const name = (entry: { principal?: string; principalId?: string }) =>
    withPrincipalName(entry, labels).principalName;
  assert.equal(name({ principal: 'root', principalId: 'obj-1' }), 'root (local owner)');
  assert.equal(name({ principal: 'app-1', principalId: '' }), 'root (local owner)');
  assert.equal(name({ principal: 'app-2', principalId: 'obj-2' }), 'orchestrator');
  assert.equal(name({ principal: 'client-3', principalId: '' }), 'etl-host (managed identity)');
  assert.equal(name({ principal: 'unknown-app', principalId: '' }), 'unknown-app');
  assert.equal(name({ principal: '', principalId: '' }), '(unauthenticated)');
});

test('the table shows the label, and method and path when no route gave an action', () => {
  const rows = [
    {
      time: 't1',
      principal: 'app-1',
      principalId: '',
      action: 'token/issue',
      status: 200,
      result: 'Succeeded',
    },
    {
      time: 't2',
      principal: '',
      principalId: '',
      action: '',
      method: 'GET',
      path: '/nope',
      status: 401,
      result: 'Denied',
    },
  ].map((entry) => withPrincipalName(entry, labels));
  const lines = formatTable(rows, { columns: ACCESS_TABLES.audit }).split('\n');
  assert.match(lines[2] ?? '', /^t1\s+root \(local owner\)\s+token\/issue\s+200\s+Succeeded$/);
  assert.match(lines[3] ?? '', /^t2\s+\(unauthenticated\)\s+GET \/nope\s+401\s+Denied$/);
});
