/**
 * Which identity a datastore's requests go out with: the datastore's own service principal first, then
 * the server's configured one, then the machine's managed identity; and the credential class each gives.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import {
  checkServerTokenTarget,
  credentialOf,
  describePlan,
  identityPlan,
  type ServerIdentity,
} from './azure-identity.ts';

const serverSp: ServerIdentity = {
  servicePrincipal: { tenantId: 'srv-tenant', clientId: 'srv-client', clientSecret: 'srv-secret' },
};

test("a datastore's own service principal comes first, whatever the server has", () => {
  const plan = identityPlan(
    { tenantId: 't', clientId: 'c', authorityUrl: 'https://login.example' },
    serverSp,
  );
  assert.deepEqual(plan, {
    kind: 'ServicePrincipal',
    source: 'datastore',
    tenantId: 't',
    clientId: 'c',
    authorityHost: 'https://login.example',
  });
  assert.ok(credentialOf(plan, serverSp, 'ds-secret') instanceof ClientSecretCredential);
  assert.equal(describePlan(plan), "the datastore's service principal c (tenant t)");
});

test("without one, the server's configured service principal, then its managed identity", () => {
  const sp = identityPlan(undefined, serverSp);
  assert.deepEqual(sp, {
    kind: 'ServicePrincipal',
    source: 'server',
    tenantId: 'srv-tenant',
    clientId: 'srv-client',
  });
  assert.ok(credentialOf(sp, serverSp) instanceof ClientSecretCredential);
  assert.doesNotMatch(describePlan(sp), /srv-secret/);
  const system = identityPlan(undefined, {});
  assert.deepEqual(system, { kind: 'ManagedIdentity' });
  assert.ok(credentialOf(system, {}) instanceof ManagedIdentityCredential);
  assert.equal(describePlan(system), "the server's managed identity");
  const user = identityPlan(undefined, { managedIdentityClientId: 'mi-1' });
  assert.deepEqual(user, { kind: 'ManagedIdentity', clientId: 'mi-1' });
  assert.equal(describePlan(user), "the server's managed identity (client id mi-1)");
});

test("the server's token goes to Azure Storage's domains or to hosts the operator trusts, nowhere else", () => {
  const refused = /only to Azure Storage/;
  checkServerTokenTarget('https://acct.blob.core.windows.net', {});
  checkServerTokenTarget('https://acct.blob.core.chinacloudapi.cn', {});
  checkServerTokenTarget('https://127.0.0.1:10000/devstoreaccount1', { trustedHosts: ['127.0.0.1:10000'] });
  checkServerTokenTarget('https://storage.internal/acct', { trustedHosts: ['storage.internal'] });
  assert.throws(() => {
    checkServerTokenTarget('https://127.0.0.1:10001/devstoreaccount1', {
      trustedHosts: ['127.0.0.1:10000'],
    });
  }, refused);
  assert.throws(() => {
    checkServerTokenTarget('https://acct.blob.evil.example', {});
  }, refused);
  assert.throws(() => {
    checkServerTokenTarget('https://core.windows.net.evil.example', {});
  }, refused);
  assert.throws(() => {
    checkServerTokenTarget('https://acct.blob.core.windows.net:8443', {});
  }, refused);
});
