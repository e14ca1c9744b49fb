/**
 * The token service through the real server, as azure-identity or Data Factory would use it: create a
 * service principal, get tokens with the v1 form and the v2 scope form, verify them against the JWKS and
 * issuer the server publishes, and every refusal (wrong or reset secret, lockout, deleted principal,
 * unknown resource); IMDS with and without its Metadata header; route precedence over the ARM routes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { keysFromJwks, verifyToken } from '../../src/auth/tokens/verifier.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
const TENANT = 'nightshift';

before(async () => {
  server = await startServer();
});

after(async () => {
  await server.stop();
});

async function form(path: string, fields: Record<string, string>) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function createSp(name: string): Promise<{ appId: string; password: string }> {
  const created = await server.call('POST', '/nightshift/servicePrincipals', { displayName: name });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body as { appId: string; password: string };
}

function v1(appId: string, secret: string, resource = 'https://ml.azure.com') {
  return form(`/${TENANT}/oauth2/token`, {
    grant_type: 'client_credentials',
    client_id: appId,
    client_secret: secret,
    resource,
  });
}

async function verifyWithServer(token: string, version: '1.0' | '2.0', audience: string) {
  const discoveryPath =
    version === '1.0'
      ? `/${TENANT}/.well-known/openid-configuration`
      : `/${TENANT}/v2.0/.well-known/openid-configuration`;
  const discovery = (await server.call('GET', discoveryPath)).body as { issuer: string; jwks_uri: string };
  const jwks = await (await fetch(discovery.jwks_uri)).json();
  return verifyToken(token, { keys: keysFromJwks(jwks), audiences: [audience], issuers: [discovery.issuer] });
}

describe('service principals and client credentials', () => {
  it('shows the secret once, never in list or show', async () => {
    const sp = await createSp('listed');
    assert.ok(sp.password.length >= 32);
    const shown = await server.call('GET', `/nightshift/servicePrincipals/${sp.appId}`);
    assert.equal(shown.status, 200);
    const listed = await server.call('GET', '/nightshift/servicePrincipals');
    for (const text of [JSON.stringify(shown.body), JSON.stringify(listed.body)]) {
      assert.ok(!text.includes(sp.password) && !text.includes('secretHash') && !text.includes('scrypt'));
    }
  });

  it('issues v1 and v2 tokens that verify with the published JWKS and issuer', async () => {
    const sp = await createSp('pipeline');
    const one = await v1(sp.appId, sp.password, 'https://ml.azure.com/');
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.token_type, 'Bearer');
    assert.equal(one.body.resource, 'https://ml.azure.com');
    assert.ok(Number(one.body.expires_on) > Date.now() / 1000);
    const c1 = await verifyWithServer(String(one.body.access_token), '1.0', 'https://ml.azure.com');
    assert.equal(c1.appid, sp.appId);

    const two = await form(`/${TENANT}/oauth2/v2.0/token`, {
      grant_type: 'client_credentials',
      client_id: sp.appId,
      client_secret: sp.password,
      scope: 'https://management.azure.com/.default',
    });
    assert.equal(two.status, 200, JSON.stringify(two.body));
    assert.equal(typeof two.body.expires_in, 'number');
    const c2 = await verifyWithServer(String(two.body.access_token), '2.0', 'https://management.azure.com');
    assert.equal(c2.azp, sp.appId);
  });

  it('refuses a wrong secret, a reset-away secret, a deleted principal and an unknown resource', async () => {
    const sp = await createSp('refused');
    const wrong = await v1(sp.appId, 'not-the-secret');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
    assert.ok(wrong.body.trace_id && wrong.body.timestamp && wrong.body.error_description);

    const reset = await server.call('POST', `/nightshift/servicePrincipals/${sp.appId}/resetSecret`);
    assert.equal(reset.status, 200);
    const fresh = (reset.body as { password: string }).password;
    assert.equal((await v1(sp.appId, sp.password)).status, 401);
    assert.equal((await v1(sp.appId, fresh)).status, 200);

    const unknown = await v1(sp.appId, fresh, 'https://vault.azure.net');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, 'invalid_resource');

    assert.equal((await server.call('DELETE', `/nightshift/servicePrincipals/${sp.appId}`)).status, 204);
    const gone = await v1(sp.appId, fresh);
    assert.equal(gone.status, 400);
    assert.equal(gone.body.error, 'unauthorized_client');
    assert.equal((await server.call('GET', `/nightshift/servicePrincipals/${sp.appId}`)).status, 404);
  });

  it('makes a source that keeps guessing wait, and says how long', async () => {
    const sp = await createSp('guessed');
    for (let i = 0; i < 4; i++) assert.equal((await v1(sp.appId, `guess-${i}`)).status, 401);
    // The wrong secret that starts the wait already answers with it, so nothing here depends on timing.
    const locked = await v1(sp.appId, 'guess-4');
    assert.equal(locked.status, 401);
    assert.equal(locked.body.error, 'invalid_client');
    assert.match(String(locked.body.error_description), /retry after \d+ seconds/);
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
  });
});

describe('managed identities over IMDS', () => {
  const imds = (query: string, headers: Record<string, string> = { Metadata: 'true' }) =>
    fetch(`${server.url}/metadata/identity/oauth2/token?api-version=2018-02-01&${query}`, { headers }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }),
    );

  it('requires the Metadata header', async () => {
    const refused = await imds('resource=https://ml.azure.com', {});
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_request');
  });

  it('gives the system identity a token, and client_id selects a user-assigned one', async () => {
    const sys = await imds('resource=https://ml.azure.com');
    assert.equal(sys.status, 200, JSON.stringify(sys.body));
    const claims = await verifyWithServer(String(sys.body.access_token), '1.0', 'https://ml.azure.com');
    const identities = (await server.call('GET', '/nightshift/managedIdentities')).body as {
      value: { name: string; clientId: string; objectId: string }[];
    };
    const system = identities.value.find((i) => i.name === 'system');
    assert.equal(claims.oid, system?.objectId);

    const created = await server.call('POST', '/nightshift/managedIdentities', { name: 'runner' });
    assert.equal(created.status, 201);
    const runner = created.body as { clientId: string; objectId: string };
    const user = await imds(`resource=https://ml.azure.com&client_id=${runner.clientId}`);
    assert.equal(user.status, 200);
    assert.equal(user.body.client_id, runner.clientId);
    const userClaims = await verifyWithServer(String(user.body.access_token), '1.0', 'https://ml.azure.com');
    assert.equal(userClaims.oid, runner.objectId);

    const unknown = await imds('resource=https://ml.azure.com&client_id=nobody');
    assert.equal(unknown.status, 400);
    assert.match(String(unknown.body.error_description), /nobody/);
  });
});

describe('route precedence', () => {
  it('leaves the system and ARM routes where they were', async () => {
    assert.equal((await server.call('GET', '/healthz')).status, 200);
    assert.equal((await server.call('GET', '/info')).status, 200);
    assert.equal((await server.call('GET', '/openapi.json')).status, 200);
    const endpoints = await server.call('GET', `${server.ws}/batchEndpoints?api-version=2023-10-01`);
    assert.equal(endpoints.status, 200);
    for (const path of ['/subscriptions/oauth2', '/healthz/oauth2/token']) {
      const r = server.app.http.hasRoute({ method: 'GET', url: path });
      assert.equal(r, false, path);
    }
  });
});
