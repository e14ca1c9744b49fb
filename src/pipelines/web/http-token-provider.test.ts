/**
 * HttpTokenProvider against a real local token service: request shapes, where requests go, caching and
 * expiry on the clock, sharing of concurrent requests, and the errors it reports.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HttpTokenProvider, TokenRequestError } from './http-token-provider.ts';
import {
  startLocalServer,
  sendJson,
  type LocalServer,
} from '../../../test/support/pipelines/web/local-http-server.ts';
import { ManualClock } from '../../../test/support/pipelines/web/manual-clock.ts';

let server: LocalServer;
let serial = 0;
let release: (() => void) | undefined;

before(async () => {
  server = await startLocalServer(async (request, response) => {
    const url = new URL(request.path, 'http://local');
    serial += 1;
    if (url.pathname.endsWith('/slow/metadata/identity/oauth2/token')) {
      await new Promise<void>((resolve) => (release = resolve));
    }
    if (url.pathname.endsWith('/metadata/identity/oauth2/token')) {
      const resource = url.searchParams.get('resource') ?? '';
      if (resource === 'no-token') {
        sendJson(response, 200, { token_type: 'Bearer' });
        return;
      }
      if (resource === 'expires-on') {
        // Only an absolute expiry, 10 minutes after the test clock's start.
        const expiresOn = String(Date.UTC(2025, 0, 1) / 1000 + 600);
        sendJson(response, 200, { access_token: `eo-${serial}`, expires_on: expiresOn });
        return;
      }
      sendJson(response, 200, { access_token: `mi-${resource}-${serial}`, expires_in: 3600 });
      return;
    }
    if (url.pathname === '/auth/tenant-x/oauth2/token') {
      sendJson(response, 200, { access_token: `sp-${serial}`, expires_in: '3599' });
      return;
    }
    sendJson(response, 404, { error: 'not_found', error_description: `no ${url.pathname}` });
  });
});

after(async () => {
  release?.();
  await server.close();
});

function provider(clock = new ManualClock(), overrides: { imdsBase?: string; authority?: string } = {}) {
  return new HttpTokenProvider({ serverUrl: `${server.url}/`, clock, ...overrides });
}

test('tokens are cached per resource and identity', async () => {
  const tokens = provider();
  const a = await tokens.managedIdentityToken('r1');
  assert.equal(await tokens.managedIdentityToken('r1'), a);
  assert.notEqual(await tokens.managedIdentityToken('r2'), a);
  assert.notEqual(await tokens.managedIdentityToken('r1', 'client-1'), a);
});

test('a token is replaced once within the refresh margin of its expiry', async () => {
  const clock = new ManualClock();
  const tokens = provider(clock);
  const first = await tokens.managedIdentityToken('refresh');
  clock.advance(55 * 60_000 - 1);
  assert.equal(await tokens.managedIdentityToken('refresh'), first);
  clock.advance(1);
  assert.notEqual(await tokens.managedIdentityToken('refresh'), first);
});

test('expires_on is used when expires_in is absent', async () => {
  const clock = new ManualClock();
  const tokens = provider(clock);
  const first = await tokens.managedIdentityToken('expires-on');
  clock.advance(4 * 60_000); // 10 minute token: reused until half its lifetime remains
  assert.equal(await tokens.managedIdentityToken('expires-on'), first);
  clock.advance(60_000);
  assert.notEqual(await tokens.managedIdentityToken('expires-on'), first);
});

test('concurrent requests for one token share a single call', async () => {
  const tokens = provider(new ManualClock(), { imdsBase: `${server.url}/slow` });
  const before = server.requests.length;
  const both = Promise.all([tokens.managedIdentityToken('shared'), tokens.managedIdentityToken('shared')]);
  await server.received(before + 1, both);
  release?.();
  const [a, b] = await both;
  assert.equal(a, b);
  assert.equal(server.requests.length, before + 1);
});

test('service principal tokens go to the configured authority', async () => {
  const tokens = provider(new ManualClock(), { authority: `${server.url}/auth/` });
  const token = await tokens.servicePrincipalToken({
    tenant: 'tenant-x',
    clientId: 'c',
    secret: 's',
    resource: 'r',
  });
  assert.match(token, /^sp-\d+$/);
  assert.equal(server.requests.at(-1)?.path, '/auth/tenant-x/oauth2/token');
});

test('errors name the endpoint and the OAuth error', async () => {
  const tokens = provider();
  await assert.rejects(
    tokens.servicePrincipalToken({ tenant: 'nope', clientId: 'c', secret: 's', resource: 'r' }),
    (error) =>
      error instanceof TokenRequestError &&
      /nope\/oauth2\/token failed with HTTP 404: not_found: no \/nope/.test(error.message),
  );
  await assert.rejects(tokens.managedIdentityToken('no-token'), /has no access_token/);
  await assert.rejects(
    tokens.servicePrincipalToken({ tenant: 't', clientId: 'c', certificate: { pfx: 'MII' }, resource: 'r' }),
    /Certificate-based service principals are not supported/,
  );
});

test('a token request that never answers times out on the clock', async () => {
  const clock = new ManualClock();
  const tokens = new HttpTokenProvider({ serverUrl: `${server.url}/slow`, clock, requestTimeoutMs: 5000 });
  const before = server.requests.length;
  const pending = tokens.managedIdentityToken('late');
  await server.received(before + 1, pending);
  await clock.sleepingDuring(5000, pending);
  clock.advance(5000);
  await assert.rejects(pending, /failed: no answer in time/);
  release?.();
});
