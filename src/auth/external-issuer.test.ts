// External issuer keys: discovered once, cached an hour, refetched for an unknown kid at most once a
// minute, and a failed fetch not retried before that minute either. The clock is node:test's mocked Date.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { ExternalIssuer } from './external-issuer.ts';
import { AuthenticationError } from './errors.ts';
import { issueToken } from './tokens/issuer.ts';
import { verifyToken } from './tokens/verifier.ts';

const ISSUER = 'https://issuer.example/tenant/';
const DISCOVERY = 'https://issuer.example/tenant/.well-known/openid-configuration';
const JWKS = 'https://issuer.example/tenant/keys';
const MINUTE = 60_000;

const a = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = (key: typeof a, kid: string) => ({ ...key.publicKey.export({ format: 'jwk' }), kid });

/** A fake issuer: answers discovery and the JWKS, counts requests, and can be taken down. */
function fakeIssuer() {
  const state = { keys: [jwk(a, 'a')] as object[], down: false, calls: [] as string[] };
  const fetch = (input: string) => {
    const url = input;
    state.calls.push(url);
    if (state.down) return Promise.reject(new Error('connect ECONNREFUSED'));
    if (url === DISCOVERY) return Promise.resolve(Response.json({ issuer: ISSUER, jwks_uri: JWKS }));
    if (url === JWKS) return Promise.resolve(Response.json({ keys: state.keys }));
    return Promise.resolve(new Response('not found', { status: 404 }));
  };
  return { state, fetch: fetch as unknown as typeof globalThis.fetch };
}

function withClock(run: () => Promise<void>) {
  return async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-05-01T00:00:00Z') });
    try {
      await run();
    } finally {
      mock.timers.reset();
    }
  };
}

test(
  'keys are found through discovery, cached, and refetched for an unknown kid at most once a minute',
  withClock(async () => {
    const fake = fakeIssuer();
    const issuer = new ExternalIssuer({ issuer: ISSUER, audience: 'api://x' }, { fetch: fake.fetch });
    assert.ok(await issuer.keys('a'));
    assert.deepEqual(fake.state.calls, [DISCOVERY, JWKS]);
    assert.ok(await issuer.keys('a'));
    assert.equal(fake.state.calls.length, 2, 'cached');

    fake.state.keys = [jwk(a, 'a'), jwk(b, 'b')];
    assert.equal(await issuer.keys('b'), undefined, 'within a minute of the last fetch, no refetch');
    assert.equal(fake.state.calls.length, 2);
    mock.timers.tick(MINUTE);
    assert.ok(await issuer.keys('b'), 'a minute later an unknown kid fetches again');
    assert.equal(fake.state.calls.length, 3);

    assert.equal(await issuer.keys('made-up'), undefined);
    mock.timers.tick(MINUTE - 1);
    assert.equal(await issuer.keys('made-up'), undefined);
    assert.equal(fake.state.calls.length, 3, 'made-up kids do not make the server ask again');
  }),
);

test(
  'the cache lasts an hour; an unreachable issuer is asked again only after a minute',
  withClock(async () => {
    const fake = fakeIssuer();
    const issuer = new ExternalIssuer({ issuer: ISSUER, audience: 'api://x' }, { fetch: fake.fetch });
    assert.ok(await issuer.keys('a'));
    mock.timers.tick(60 * MINUTE - 1);
    assert.ok(await issuer.keys('a'));
    assert.equal(fake.state.calls.length, 2);

    fake.state.down = true;
    mock.timers.tick(1);
    const unreachable = (error: unknown) =>
      error instanceof AuthenticationError &&
      error.code === 'UnknownKey' &&
      /could not be fetched \(connect ECONNREFUSED\)/.test(error.message);
    await assert.rejects(issuer.keys('a'), unreachable);
    await assert.rejects(issuer.keys('a'), unreachable);
    assert.equal(fake.state.calls.length, 3, 'the failure is remembered, not retried at once');
    fake.state.down = false;
    mock.timers.tick(MINUTE);
    assert.ok(await issuer.keys('a'));
    assert.equal(fake.state.calls.length, 4);
  }),
);

test(
  'a failed discovery is retried after a minute; a configured jwks_uri skips discovery',
  withClock(async () => {
    const fake = fakeIssuer();
    fake.state.down = true;
    const issuer = new ExternalIssuer({ issuer: ISSUER, audience: 'api://x' }, { fetch: fake.fetch });
    await assert.rejects(issuer.keys('a'), /could not be fetched/);
    await assert.rejects(issuer.keys('a'), /could not be fetched/);
    assert.deepEqual(fake.state.calls, [DISCOVERY]);
    fake.state.down = false;
    mock.timers.tick(MINUTE);
    assert.ok(await issuer.keys('a'));

    const direct = new ExternalIssuer(
      { issuer: ISSUER, audience: 'api://x', jwksUri: JWKS },
      { fetch: fakeIssuer().fetch },
    );
    assert.ok(await direct.keys('a'));
  }),
);

test('answers that are not a JWK set are failures, with the reason', async () => {
  const notJwks = (() => Promise.resolve(Response.json({ nothing: true }))) as typeof fetch;
  const issuer = new ExternalIssuer(
    { issuer: ISSUER, audience: 'api://x', jwksUri: JWKS },
    { fetch: notJwks },
  );
  await assert.rejects(issuer.keys('a'), /is not a JWK set/);
  const missing = (() => Promise.resolve(new Response('gone', { status: 404 }))) as typeof fetch;
  const gone = new ExternalIssuer({ issuer: ISSUER, audience: 'api://x' }, { fetch: missing });
  await assert.rejects(gone.keys('a'), /answered 404/);
});

test("the issuer's tokens verify with its keys", async () => {
  const issuer = new ExternalIssuer({ issuer: ISSUER, audience: 'api://x' }, { fetch: fakeIssuer().fetch });
  const { accessToken } = await issueToken(
    {
      subject: 's',
      objectId: 'o',
      tenantId: 'tenant',
      audience: 'api://x',
      issuer: ISSUER,
      idType: 'app',
      lifetimeSeconds: 600,
    },
    { key: { kid: 'a', privateKey: a.privateKey } },
  );
  const claims = await verifyToken(accessToken, {
    keys: issuer.keys,
    audiences: ['api://x'],
    issuers: [ISSUER],
  });
  assert.equal(claims.oid, 'o');
});
