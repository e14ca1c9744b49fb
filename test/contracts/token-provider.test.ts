/**
 * The TokenProvider contract suite (src/pipelines/web/contract.ts): where a WebActivity's `MSI`,
 * `UserAssignedManagedIdentity` and `ServicePrincipal` authentication get their bearer tokens. Every
 * provider runs against a real Nightshift server and must hand out tokens that server accepts, for the
 * identity and the resource asked, never one identity's or resource's token for another, and never a
 * token for a wrong secret. A provider for another token service (Entra itself) is one more entry, with
 * `requires` naming what it needs when that service cannot be reached.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { DEFAULT_TENANT } from '../../src/auth/tokens/discovery.ts';
import { serverTokenProvider } from '../../src/pipelines/service/server-token-provider.ts';
import { RealClock } from '../../src/pipelines/time/real-clock.ts';
import type { TokenProvider } from '../../src/pipelines/web/contract.ts';
import { HttpTokenProvider } from '../../src/pipelines/web/http-token-provider.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { describeContract, type Implementation } from './implementations.ts';

let server: TestServer;
let verifyKeys: ReturnType<typeof createRemoteJWKSet>;
let issuer: string;

before(async () => {
  server = await startServer();
  const discovery = await server.call('GET', `/${DEFAULT_TENANT}/.well-known/openid-configuration`);
  const document = discovery.body as { issuer: string; jwks_uri: string };
  issuer = document.issuer;
  verifyKeys = createRemoteJWKSet(new URL(document.jwks_uri));
});

after(async () => {
  await server.stop();
});

interface Harness {
  tokens: TokenProvider;
  close(): void;
}

const implementations: Implementation<Harness>[] = [
  {
    name: 'HTTP (token and IMDS endpoints)',
    open: () => ({
      tokens: new HttpTokenProvider({ serverUrl: server.url, clock: new RealClock() }),
      close() {},
    }),
  },
  {
    name: "the server's own (built at first use)",
    open: () => ({ tokens: serverTokenProvider(() => server.url, new RealClock()), close() {} }),
  },
];

const ML = 'https://ml.azure.com';
const MANAGEMENT = 'https://management.azure.com';

/** The token's claims, once the server's own keys, issuer and the audience have been checked. */
async function verified(token: string, audience: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, verifyKeys, { issuer, audience, algorithms: ['RS256'] });
  return payload;
}

async function created<T>(path: string, body: unknown): Promise<T> {
  const response = await server.call('POST', path, body);
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body as T;
}

async function systemIdentity(): Promise<string> {
  const listed = await server.call('GET', '/nightshift/managedIdentities');
  const identities = (listed.body as { value: { name: string; objectId: string }[] }).value;
  const system = identities.find((identity) => identity.name === 'system');
  assert.ok(system, 'the server has a system identity');
  return system.objectId;
}

let serial = 0;
const unique = (prefix: string) => `${prefix}-${String(++serial)}`;

await describeContract('TokenProvider', implementations, (context) => {
  const tokens = () => context.current().tokens;

  test('a managed identity token is the system identity’s, for the resource asked', async () => {
    const claims = await verified(await tokens().managedIdentityToken(ML), ML);
    assert.equal(claims.oid, await systemIdentity());
    const management = await verified(await tokens().managedIdentityToken(MANAGEMENT), MANAGEMENT);
    assert.equal(management.oid, claims.oid);
  });

  test('a client id selects a user-assigned identity, never the system one; an unknown id is refused', async () => {
    const system = await tokens().managedIdentityToken(ML);
    const identity = await created<{ clientId: string; objectId: string }>('/nightshift/managedIdentities', {
      name: unique('runner'),
    });
    const user = await tokens().managedIdentityToken(ML, identity.clientId);
    assert.notEqual(user, system);
    assert.equal((await verified(user, ML)).oid, identity.objectId);
    await assert.rejects(tokens().managedIdentityToken(ML, 'nobody-such'), /nobody-such/);
  });

  test('a service principal’s secret gets its token; a wrong secret is refused, even after a right one', async () => {
    const sp = await created<{ appId: string; password: string }>('/nightshift/servicePrincipals', {
      displayName: unique('pipeline-sp'),
    });
    const request = { tenant: DEFAULT_TENANT, clientId: sp.appId, resource: ML };
    const token = await tokens().servicePrincipalToken({ ...request, secret: sp.password });
    assert.equal((await verified(token, ML)).appid, sp.appId);
    await assert.rejects(tokens().servicePrincipalToken({ ...request, secret: 'not-the-secret' }));
    const again = await tokens().servicePrincipalToken({ ...request, secret: sp.password });
    assert.equal((await verified(again, ML)).appid, sp.appId);
    const other = await tokens().servicePrincipalToken({
      ...request,
      secret: sp.password,
      resource: MANAGEMENT,
    });
    assert.equal((await verified(other, MANAGEMENT)).appid, sp.appId);
  });

  test('a request whose signal is aborted rejects with its reason', async () => {
    const controller = new AbortController();
    const reason = new Error('activity canceled');
    controller.abort(reason);
    const resource = 'https://storage.azure.com';
    await assert.rejects(
      tokens().managedIdentityToken(resource, undefined, { signal: controller.signal }),
      (error) => error === reason,
    );
  });
});
