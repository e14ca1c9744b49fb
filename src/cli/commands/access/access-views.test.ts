import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatOutput } from '../../output/format-output.ts';
import { withPrincipalName } from './audit-commands.ts';
import {
  ACCESS_TABLES,
  createdCredentialView,
  managedIdentityView,
  resetCredentialView,
  servicePrincipalView,
} from './access-views.ts';

const WS =
  '/subscriptions/0000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/default';

const sp = {
  appId: 'app-1',
  displayName: 'orchestrator',
  objectId: 'obj-1',
  secretUpdatedAt: '2026-01-02T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z',
};

void describe('servicePrincipalView', () => {
  void it("shows the object id as Graph's id and keeps the local user only when there is one", () => {
    assert.deepEqual(servicePrincipalView(sp), {
      id: 'obj-1',
      appId: 'app-1',
      displayName: 'orchestrator',
      servicePrincipalType: 'Application',
      createdDateTime: '2026-01-01T00:00:00.000Z',
      secretUpdatedDateTime: '2026-01-02T00:00:00.000Z',
    });
    assert.equal(servicePrincipalView({ ...sp, localUser: 'alice' }).localUser, 'alice');
  });
});

void describe('credential views', () => {
  const secret = { ...sp, password: 's3cret', tenant: 'nightshift' };

  void it("print exactly az's fields for create-for-rbac and credential reset", () => {
    assert.deepEqual(createdCredentialView(secret), {
      appId: 'app-1',
      displayName: 'orchestrator',
      password: 's3cret',
      tenant: 'nightshift',
    });
    assert.deepEqual(resetCredentialView(secret), {
      appId: 'app-1',
      password: 's3cret',
      tenant: 'nightshift',
    });
  });
});

void describe('managedIdentityView', () => {
  void it("places the identity in the workspace's resource group and names the object id principalId", () => {
    const view = managedIdentityView(
      { name: 'ingest', clientId: 'client-1', objectId: 'obj-9', createdAt: '2026-01-03T00:00:00.000Z' },
      WS,
    );
    assert.deepEqual(view, {
      id: '/subscriptions/0000/resourceGroups/rg-ml/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ingest',
      name: 'ingest',
      type: 'Microsoft.ManagedIdentity/userAssignedIdentities',
      clientId: 'client-1',
      principalId: 'obj-9',
      resourceGroup: 'rg-ml',
      createdAt: '2026-01-03T00:00:00.000Z',
    });
  });
});

void describe('ACCESS_TABLES', () => {
  void it('prints the audit columns in order, (unauthenticated) for a call without a caller', () => {
    const entries = [
      { time: 't2', principal: '', action: 'token/issue', status: 401, result: 'Denied', path: '/x' },
      { time: 't1', principal: 'app-1', action: 'a/write', status: 201, result: 'Succeeded', path: '/y' },
    ].map((entry) => withPrincipalName(entry, new Map()));
    assert.equal(
      formatOutput(entries, { output: 'table', table: ACCESS_TABLES.audit }),
      'Time    Principal          Action       Status    Result\n' +
        '------  -----------------  -----------  --------  ---------\n' +
        't2      (unauthenticated)  token/issue  401       Denied\n' +
        't1      app-1              a/write      201       Succeeded\n',
    );
  });
});
