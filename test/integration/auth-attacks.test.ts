/**
 * Attacks on the API's authentication, each refused with the right status and a code saying why: no
 * token, a malformed one, expired, not yet valid, the wrong audience, a foreign issuer, a bad signature,
 * `alg: none`, an unknown key id, a secret used after its reset, repeated wrong secrets. Forged tokens are
 * signed with the server's real key (read from its data dir), so only the one thing under test is wrong.
 * Also the external issuer: a second server's tokens are accepted once configured, and only then.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { issueToken, type IssueTokenRequest } from '../../src/auth/tokens/issuer.ts';
import { KeyStore } from '../../src/auth/tokens/key-store.ts';
import { readLocalCredentials } from '../../src/auth/local-owner.ts';
import { requestToken } from '../../src/cli/credentials.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { at } from '../helpers/json.ts';

const MGMT = 'https://management.azure.com';

describe('token attacks', () => {
  let server: TestServer;
  let keys: KeyStore;
  let claims: IssueTokenRequest;

  /** GET the endpoint list with this Authorization header; returns status and error code. */
  async function attempt(pending: string | undefined | Promise<string>) {
    const authorization = await pending;
    const reply = await server.call('GET', `${server.ws}/batchEndpoints`, undefined, {
      headers: authorization === undefined ? {} : { authorization },
    });
    return { status: reply.status, code: at(reply.body, 'error.code'), body: reply.body };
  }

  const forge = async (change: Partial<IssueTokenRequest> = {}, now = Date.now()) =>
    `Bearer ${(await issueToken({ ...claims, ...change }, { key: keys.current(), now: () => now })).accessToken}`;

  before(async () => {
    server = await startServer();
    keys = await KeyStore.open({ dir: join(server.dataDir, 'keys') });
    const owner = readLocalCredentials(server.dataDir);
    assert.ok(owner);
    const sp = (await server.call('GET', `/nightshift/servicePrincipals/${owner.clientId}`)).body as {
      objectId: string;
    };
    claims = {
      subject: sp.objectId,
      objectId: sp.objectId,
      appId: owner.clientId,
      tenantId: 'nightshift',
      audience: MGMT,
      issuer: `${server.url}/nightshift/`,
      idType: 'app',
      lifetimeSeconds: 3600,
    };
  });

  after(async () => {
    await server.stop();
  });

  it('accepts the well-formed token the attacks start from', async () => {
    assert.equal((await attempt(forge())).status, 200);
  });

  it('refuses a missing or malformed token with 401', async () => {
    const none = await attempt(undefined);
    assert.deepEqual([none.status, none.code], [401, 'MissingToken']);
    for (const bad of ['Bearer', 'Bearer abc', 'Bearer a.b.c', 'Basic dXNlcjpwYXNz']) {
      const r = await attempt(bad);
      assert.deepEqual([r.status, r.code], [401, 'InvalidToken'], bad);
    }
  });

  it('refuses expired and not-yet-valid tokens', async () => {
    const hour = 3600 * 1000;
    assert.equal((await attempt(forge({}, Date.now() - 2 * hour))).code, 'TokenExpired');
    assert.equal((await attempt(forge({}, Date.now() + hour))).code, 'TokenNotYetValid');
  });

  it('refuses the wrong audience with a message that says which one to use', async () => {
    const r = await attempt(forge({ audience: 'https://ml.azure.com' }));
    assert.deepEqual([r.status, r.code], [401, 'InvalidAudience']);
    assert.match(String(at(r.body, 'error.message')), /request a token for https:\/\/management\.azure\.com/);
    // And the other way round: the data plane refuses a management token.
    const dp = await server.call('GET', '/endpoints/any/jobs', undefined, {
      headers: { authorization: await forge() },
    });
    assert.equal(at(dp.body, 'error.code'), 'InvalidAudience');
  });

  it('refuses a foreign issuer, a bad signature, alg none and an unknown key', async () => {
    assert.equal(
      (await attempt(forge({ issuer: 'https://evil.example/nightshift/' }))).code,
      'InvalidIssuer',
    );
    const [h, p, s] = (await forge()).slice('Bearer '.length).split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = Buffer.from(JSON.stringify({ ...payload, oid: 'someone-else' })).toString('base64url');
    assert.equal((await attempt(`Bearer ${h}.${tampered}.${s}`)).code, 'InvalidSignature');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    assert.equal((await attempt(`Bearer ${header}.${p}.`)).status, 401);
    assert.equal((await attempt(`Bearer ${header}.${p}.${s}`)).code, 'UnsupportedAlgorithm');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const stranger = (await issueToken(claims, { key: { kid: 'not-ours', privateKey } })).accessToken;
    assert.equal((await attempt(`Bearer ${stranger}`)).code, 'UnknownKey');
  });

  it('refuses a secret after its reset, and locks out repeated wrong secrets', async () => {
    const created = await server.call('POST', '/nightshift/servicePrincipals', { displayName: 'rotating' });
    const sp = created.body as { appId: string; password: string };
    const login = { server: server.url, tenant: 'nightshift', clientId: sp.appId, clientSecret: sp.password };
    await requestToken(login, MGMT);
    await server.call('POST', `/nightshift/servicePrincipals/${sp.appId}/resetSecret`);
    await assert.rejects(requestToken(login, MGMT), /Invalid client secret/);
    const wrong = { ...login, clientSecret: 'guess' };
    let last: unknown;
    for (let i = 0; i < 12; i++) last = await requestToken(wrong, MGMT).catch((e: unknown) => e);
    assert.match(String(last), /Too many wrong client secrets/);
  });
});

describe('an external OIDC issuer', () => {
  let issuer: TestServer;
  let server: TestServer;
  let external: { appId: string; password: string; objectId: string };

  before(async () => {
    issuer = await startServer();
    const created = await issuer.call('POST', '/nightshift/servicePrincipals', { displayName: 'foreign' });
    external = created.body as typeof external;
    server = await startServer({
      env: { NIGHTSHIFT_OIDC_ISSUER: `${issuer.url}/nightshift/`, NIGHTSHIFT_OIDC_AUDIENCE: MGMT },
    });
  });

  after(async () => {
    await server.stop();
    await issuer.stop();
  });

  it("accepts the issuer's tokens, fetching its keys, and authorizes them by object id", async () => {
    const { accessToken } = await requestToken(
      { server: issuer.url, tenant: 'nightshift', clientId: external.appId, clientSecret: external.password },
      MGMT,
    );
    const headers = { authorization: `Bearer ${accessToken}` };
    const before = await server.call('GET', `${server.ws}/batchEndpoints`, undefined, { headers });
    assert.equal(before.status, 403, JSON.stringify(before.body));
    const grant = await server.call('POST', '/nightshift/roleAssignments', {
      assignee: external.objectId,
      role: 'Reader',
    });
    assert.equal(grant.status, 201, JSON.stringify(grant.body));
    const after = await server.call('GET', `${server.ws}/batchEndpoints`, undefined, { headers });
    assert.equal(after.status, 200, JSON.stringify(after.body));
    // The issuer's own token does not work on a server that was not told to trust it.
    const other = await startServer();
    try {
      const refused = await other.call('GET', `${other.ws}/batchEndpoints`, undefined, { headers });
      assert.equal(at(refused.body, 'error.code'), 'UnknownKey');
    } finally {
      await other.stop();
    }
  });
});
