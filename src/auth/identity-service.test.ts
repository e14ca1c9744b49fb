// Identity directory: secrets shown once and stored hashed, reset, lockout, managed identities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { createIdentityService, SYSTEM_IDENTITY, type IdentityService } from './identity-service.ts';
import { AttemptLimiter } from './secrets/attempt-limiter.ts';
import { AuthenticationError } from './errors.ts';
import { NotFoundError } from '../core/errors.ts';
import type { ResourceRepository } from '../store/contract.ts';

async function withService(
  run: (service: IdentityService, repo: ResourceRepository) => Promise<void>,
  limiter?: AttemptLimiter,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nightshift-identity-'));
  const store = createSqliteStore(join(dir, 'metadata.db'));
  try {
    await run(
      createIdentityService({ repo: store.resources, ...(limiter ? { limiter } : {}) }),
      store.resources,
    );
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function authCode(code: string) {
  return (error: unknown) =>
    error instanceof AuthenticationError && error.code === code && error.status === 401;
}

test('a principal is created with its secret shown once and stored only as a hash', async () => {
  await withService(async (ids, repo) => {
    const { principal, secret } = await ids.createServicePrincipal('  pipeline  ');
    assert.equal(principal.displayName, 'pipeline');
    assert.match(principal.appId, /^[0-9a-f-]{36}$/);
    assert.ok(!('secretHash' in principal));
    const stored = await repo.get<Record<string, unknown>>('servicePrincipal', { name: principal.appId });
    assert.ok(stored);
    assert.ok(!JSON.stringify(stored).includes(secret), 'the plain secret is never stored');
    assert.match(String(stored.secretHash), /^scrypt\$/);
    assert.deepEqual(await ids.getServicePrincipal(principal.appId), principal);
    assert.deepEqual(await ids.listServicePrincipals(), [principal]);
    assert.equal((await ids.checkSecret(principal.appId, secret)).appId, principal.appId);
  });
});

test('the creator is recorded as owner, kept across a reset; records from before read as no owners', async () => {
  await withService(async (ids, repo) => {
    const { principal } = await ids.createServicePrincipal('owned', 'creator-oid');
    assert.deepEqual(principal.owners, ['creator-oid']);
    assert.deepEqual((await ids.getServicePrincipal(principal.appId)).owners, ['creator-oid']);
    assert.deepEqual((await ids.resetSecret(principal.appId)).principal.owners, ['creator-oid']);
    const local = await ids.createServicePrincipal('root', undefined, { localUser: 'alice' });
    assert.deepEqual(local.principal.owners, []);
    assert.equal(local.principal.localUser, 'alice');

    const old = await repo.get<Record<string, unknown>>('servicePrincipal', { name: principal.appId });
    assert.ok(old);
    delete old.owners;
    await repo.replace('servicePrincipal', { name: principal.appId }, old);
    assert.deepEqual((await ids.getServicePrincipal(principal.appId)).owners, []);
    const listed = await ids.listServicePrincipals();
    assert.deepEqual(listed.map((p) => p.owners).sort(), [[], []]);
  });
});

test('a reset secret replaces the old one; a deleted principal is unknown', async () => {
  await withService(async (ids) => {
    const { principal, secret } = await ids.createServicePrincipal('p');
    const reset = await ids.resetSecret(principal.appId);
    assert.notEqual(reset.secret, secret);
    await assert.rejects(ids.checkSecret(principal.appId, secret), authCode('InvalidClientSecret'));
    await ids.checkSecret(principal.appId, reset.secret);
    await ids.deleteServicePrincipal(principal.appId);
    await assert.rejects(ids.checkSecret(principal.appId, reset.secret), authCode('UnknownClient'));
    await assert.rejects(ids.getServicePrincipal(principal.appId), NotFoundError);
    await assert.rejects(ids.deleteServicePrincipal(principal.appId), NotFoundError);
  });
});

test('repeated wrong secrets make that source wait, even with the right secret; other sources do not', async () => {
  let clock = Date.parse('2026-05-01T00:00:00Z');
  const limiter = new AttemptLimiter({ freeFailures: 2, baseBackoffMs: 60_000, now: () => clock });
  await withService(async (ids) => {
    const { principal, secret } = await ids.createServicePrincipal('p');
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        ids.checkSecret(principal.appId, 'wrong', '10.0.0.1'),
        authCode('InvalidClientSecret'),
      );
    }
    const locked = (error: unknown) => {
      assert.ok(authCode('TooManyAttempts')(error));
      assert.match((error as Error).message, /retry after 60 seconds/);
      assert.equal((error as AuthenticationError).retryAfterSeconds, 60);
      return true;
    };
    // The wrong secret that starts the wait already says how long; so does the right one from there.
    await assert.rejects(ids.checkSecret(principal.appId, 'wrong', '10.0.0.1'), locked);
    await assert.rejects(ids.checkSecret(principal.appId, secret, '10.0.0.1'), locked);
    // The owner from another machine (or the host) is not locked out by someone else's guesses.
    assert.equal((await ids.checkSecret(principal.appId, secret, '10.0.0.2')).appId, principal.appId);
    assert.equal((await ids.checkSecret(principal.appId, secret, '127.0.0.1')).appId, principal.appId);
    clock += 60_000;
    assert.equal((await ids.checkSecret(principal.appId, secret, '10.0.0.1')).appId, principal.appId);
  }, limiter);
});

test('managed identities: create, list, get, find by client id, delete; the system one is made once', async () => {
  await withService(async (ids) => {
    const a = await ids.createManagedIdentity('batch-runner');
    assert.match(a.clientId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(await ids.getManagedIdentity('batch-runner'), a);
    assert.deepEqual(await ids.findManagedIdentityByClientId(a.clientId.toUpperCase()), a);
    assert.equal(await ids.findManagedIdentityByClientId('nope'), undefined);
    await assert.rejects(ids.createManagedIdentity('batch-runner'), /already exists/);
    await assert.rejects(ids.createManagedIdentity('../x'), /invalid/);
    const [s1, s2] = await Promise.all([ids.systemIdentity(), ids.systemIdentity()]);
    assert.equal(s1.name, SYSTEM_IDENTITY);
    assert.deepEqual(s1, s2);
    assert.equal((await ids.listManagedIdentities()).length, 2);
    await ids.deleteManagedIdentity('batch-runner');
    await assert.rejects(ids.getManagedIdentity('batch-runner'), NotFoundError);
  });
});
