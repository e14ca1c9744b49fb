// Token service: Entra's answers and refusals for client credentials and managed identity requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { createIdentityService, type IdentityService } from './identity-service.ts';
import { canonicalAudience, createTokenService, OAuthError, type TokenService } from './token-service.ts';
import { KeyStore } from './tokens/key-store.ts';
import { issuerFor } from './tokens/discovery.ts';
import { verifyToken } from './tokens/verifier.ts';

const BASE = 'http://127.0.0.1:9';

async function withTokens(
  run: (tokens: TokenService, ids: IdentityService, keys: KeyStore) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'nightshift-tokens-'));
  const store = createSqliteStore(join(dir, 'metadata.db'));
  try {
    const keys = await KeyStore.open({ dir: join(dir, 'keys') });
    const ids = createIdentityService({ repo: store.resources });
    await run(createTokenService({ identities: ids, keys, issuerUrl: () => BASE }), ids, keys);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function oauth(status: number, error: string) {
  return (e: unknown) => {
    assert.ok(e instanceof OAuthError, String(e));
    assert.equal(e.status, status);
    assert.equal(e.body.error, error);
    assert.ok(e.body.trace_id && e.body.timestamp);
    return true;
  };
}

test('known audiences with or without the trailing slash, nothing else', () => {
  assert.equal(canonicalAudience('https://ml.azure.com/'), 'https://ml.azure.com');
  assert.equal(canonicalAudience('https://management.azure.com'), 'https://management.azure.com');
  assert.equal(canonicalAudience('https://vault.azure.net'), undefined);
});

test('v1 and v2 client credentials answer like Entra and verify with the issuer of their version', async () => {
  await withTokens(async (tokens, ids, keys) => {
    const { principal, secret } = await ids.createServicePrincipal('p');
    const base = {
      tenant: 'NightShift',
      grantType: 'client_credentials',
      clientId: principal.appId,
      clientSecret: secret,
    };
    const v1 = await tokens.issueForClientCredentials({
      ...base,
      version: '1.0',
      resource: 'https://ml.azure.com/',
    });
    assert.ok('resource' in v1.response);
    assert.equal(v1.response.resource, 'https://ml.azure.com');
    assert.equal(v1.response.token_type, 'Bearer');
    assert.equal(v1.response.expires_in, '3600');
    const claims = await verifyToken(v1.response.access_token, {
      keys: (kid) => keys.publicKey(kid),
      audiences: ['https://ml.azure.com'],
      issuers: [issuerFor(BASE, 'nightshift', '1.0')],
    });
    assert.equal(claims.oid, principal.objectId);
    assert.equal(claims.appid, principal.appId);

    const v2 = await tokens.issueForClientCredentials({
      ...base,
      version: '2.0',
      scope: 'https://management.azure.com/.default',
    });
    assert.ok(!('resource' in v2.response));
    assert.equal(v2.response.expires_in, 3600);
    const c2 = await verifyToken(v2.response.access_token, {
      keys: (kid) => keys.publicKey(kid),
      audiences: ['https://management.azure.com'],
      issuers: [issuerFor(BASE, 'nightshift', '2.0')],
    });
    assert.equal(c2.azp, principal.appId);
  });
});

test('refusals carry Entra error codes and statuses', async () => {
  await withTokens(async (tokens, ids) => {
    const { principal, secret } = await ids.createServicePrincipal('p');
    const ok = {
      tenant: 'nightshift',
      grantType: 'client_credentials',
      clientId: principal.appId,
      clientSecret: secret,
      version: '1.0' as const,
      resource: 'https://ml.azure.com',
    };
    await assert.rejects(
      tokens.issueForClientCredentials({ ...ok, clientSecret: 'x' }),
      oauth(401, 'invalid_client'),
    );
    await assert.rejects(
      tokens.issueForClientCredentials({ ...ok, clientId: 'unknown' }),
      oauth(400, 'unauthorized_client'),
    );
    await assert.rejects(
      tokens.issueForClientCredentials({ ...ok, resource: 'https://vault.azure.net' }),
      oauth(400, 'invalid_resource'),
    );
    await assert.rejects(
      tokens.issueForClientCredentials({ ...ok, resource: undefined }),
      oauth(400, 'invalid_request'),
    );
    await assert.rejects(
      tokens.issueForClientCredentials({ ...ok, tenant: 'other' }),
      oauth(400, 'invalid_request'),
    );
    await assert.rejects(
      tokens.issueForClientCredentials({ ...ok, grantType: 'password' }),
      oauth(400, 'unsupported_grant_type'),
    );
    await assert.rejects(
      tokens.issueForClientCredentials({
        ...ok,
        version: '2.0',
        resource: undefined,
        scope: 'https://ml.azure.com',
      }),
      oauth(400, 'invalid_scope'),
    );
  });
});

test('managed identity tokens: the system identity by default, a user-assigned one by client id', async () => {
  await withTokens(async (tokens, ids) => {
    const sys = await tokens.issueForIdentity({ resource: 'https://ml.azure.com' });
    const system = await ids.getManagedIdentity('system');
    assert.equal(sys.response.client_id, system.clientId);
    assert.equal(sys.token.claims.oid, system.objectId);
    const mine = await ids.createManagedIdentity('mine');
    const user = await tokens.issueForIdentity({
      resource: 'https://ml.azure.com/',
      clientId: mine.clientId,
    });
    assert.equal(user.token.claims.oid, mine.objectId);
    await assert.rejects(
      tokens.issueForIdentity({ resource: 'https://ml.azure.com', clientId: 'nope' }),
      (e: unknown) =>
        oauth(400, 'invalid_request')(e) && (e as OAuthError).body.error_description.includes("'nope'"),
    );
    await assert.rejects(tokens.issueForIdentity({}), oauth(400, 'invalid_request'));
  });
});
