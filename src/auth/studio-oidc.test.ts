import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStudioOidc } from './studio-oidc.ts';

const ISSUER = 'https://login.example.com/t/v2.0';
const studio = { clientId: 'web', scopes: ['openid'], displayName: 'Example' };
const doc = {
  issuer: ISSUER,
  authorization_endpoint: 'https://login.example.com/t/authorize',
  token_endpoint: 'https://login.example.com/t/token',
};

function fakeFetch(answers: unknown[]) {
  const asked: string[] = [];
  const fn = (async (url: string) => {
    asked.push(url);
    const next = answers.shift();
    return next instanceof Error ? Promise.reject(next) : Response.json(next);
  }) as unknown as typeof fetch;
  return { fn, asked };
}

test('only issuers with studio settings are offered, with the endpoints of their discovery document', async () => {
  const { fn, asked } = fakeFetch([doc, doc]);
  const oidc = createStudioOidc(
    [
      { issuer: ISSUER, audience: 'a', studio },
      { issuer: 'https://other', audience: 'a' },
    ],
    { fetch: fn },
  );
  assert.deepEqual(await oidc.options(), [
    {
      issuer: ISSUER,
      ...studio,
      authorizationEndpoint: doc.authorization_endpoint,
      tokenEndpoint: doc.token_endpoint,
    },
  ]);
  await oidc.options();
  assert.deepEqual(asked, [`${ISSUER}/.well-known/openid-configuration`], 'cached');
});

test('a document with a javascript: endpoint, plain http, or another issuer is not used', async () => {
  for (const bad of [
    { ...doc, authorization_endpoint: 'javascript:alert(1)' },
    { ...doc, token_endpoint: 'http://login.example.com/t/token' },
    { ...doc, issuer: 'https://evil.example/' },
    new Error('connect ECONNREFUSED'),
  ]) {
    const oidc = createStudioOidc([{ issuer: ISSUER, audience: 'a', studio }], {
      fetch: fakeFetch([bad]).fn,
    });
    const [option] = await oidc.options();
    assert.equal(option?.authorizationEndpoint, undefined, JSON.stringify(bad));
    assert.match(option?.problem ?? '', /could not be found/);
  }
});

test('a failed discovery is retried after a minute, not on every call', async () => {
  let clock = 0;
  const { fn, asked } = fakeFetch([new Error('down'), doc]);
  const oidc = createStudioOidc([{ issuer: ISSUER, audience: 'a', studio }], { fetch: fn, now: () => clock });
  assert.ok((await oidc.options())[0]?.problem);
  assert.ok((await oidc.options())[0]?.problem);
  assert.equal(asked.length, 1);
  clock += 61_000;
  assert.equal((await oidc.options())[0]?.tokenEndpoint, doc.token_endpoint);
});
