/**
 * Studio sign-in with an external OIDC issuer, over HTTP, as a hostile caller would try it: the public
 * sign-in options hold no secret and offer only configured issuers (an unreachable one is listed with
 * why, never with a made-up endpoint); the issuer's access tokens are accepted with the principal's own
 * role assignments and nothing more; tokens of an issuer the server was not told to trust, signed with
 * another key, or minted for another audience are refused; and nothing on the studio's routes redirects
 * to a URL a caller chose.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newUser, startOidcProvider, type OidcProvider } from '../helpers/oidc-provider.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const AUDIENCE = 'api://nightshift-test';

describe('studio sign-in with an external OIDC issuer', () => {
  let provider: OidcProvider;
  let stranger: OidcProvider;
  let server: TestServer;
  let dir: string;

  before(async () => {
    provider = await startOidcProvider({ clientId: 'studio-web', audience: AUDIENCE });
    stranger = await startOidcProvider({ clientId: 'studio-web', audience: AUDIENCE });
    dir = mkdtempSync(join(tmpdir(), 'ns-oidc-'));
    const configFile = join(dir, 'config.json');
    const externalIssuers = [
      // Reserved port 9 on loopback: nothing listens, so its discovery fails.
      { issuer: 'http://127.0.0.1:9/', audience: AUDIENCE, studio: { clientId: 'x', displayName: 'Down' } },
    ];
    writeFileSync(configFile, JSON.stringify({ auth: { externalIssuers } }));
    server = await startServer({
      env: {
        NIGHTSHIFT_CONFIG: configFile,
        NIGHTSHIFT_OIDC_ISSUER: provider.url,
        NIGHTSHIFT_OIDC_AUDIENCE: AUDIENCE,
        NIGHTSHIFT_OIDC_STUDIO_CLIENT_ID: 'studio-web',
        NIGHTSHIFT_OIDC_STUDIO_SCOPES: `profile ${AUDIENCE}/.default`,
        NIGHTSHIFT_OIDC_DISPLAY_NAME: 'Test IdP',
      },
    });
  });

  after(async () => {
    await server.stop();
    await provider.stop();
    await stranger.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const permissions = (token: string) =>
    server.call('GET', `${server.ws}/providers/Microsoft.Authorization/permissions`, undefined, {
      headers: { authorization: `Bearer ${token}` },
    });

  it('lists the ways in without a token, with no secret, and an unreachable issuer with why', async () => {
    const reply = await server.call('GET', '/nightshift/studio/signInOptions', undefined, {
      anonymous: true,
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const body = reply.body as {
      servicePrincipal: { tenant: string; tokenEndpoint: string };
      oidc: Record<string, unknown>[];
    };
    assert.deepEqual(body.servicePrincipal, {
      tenant: 'nightshift',
      tokenEndpoint: '/nightshift/oauth2/token',
    });
    assert.deepEqual(body.oidc[0], {
      issuer: provider.url,
      displayName: 'Test IdP',
      clientId: 'studio-web',
      scopes: ['openid', 'profile', `${AUDIENCE}/.default`],
      authorizationEndpoint: `${provider.url}/authorize`,
      tokenEndpoint: `${provider.url}/token`,
    });
    assert.equal(body.oidc[1]?.authorizationEndpoint, undefined);
    assert.match(String(body.oidc[1]?.problem), /sign-in page of Down could not be found/);
    const text = JSON.stringify(reply.body);
    assert.ok(!text.includes(server.app.services.studio.signIn.code), 'the local code is not listed');
    assert.ok(!/secret|password/i.test(text.replace(/"hint":"[^"]*"/, '')), text);
  });

  it("accepts the issuer's token with the principal's own roles: none at first, then Reader", async () => {
    const user = newUser('Role Less');
    const token = await provider.accessToken(user);
    const refused = await permissions(token);
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    const assigned = await server.call('POST', '/nightshift/roleAssignments', {
      assignee: user.sub,
      role: 'Reader',
      scope: server.ws,
    });
    assert.equal(assigned.status, 201, JSON.stringify(assigned.body));
    const allowed = await permissions(token);
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
  });

  it('refuses tokens of an unconfigured issuer, of another key under its name, or for another audience', async () => {
    const user = newUser('Mallory');
    await server.call('POST', '/nightshift/roleAssignments', {
      assignee: user.sub,
      role: 'Owner',
      scope: server.ws,
    });
    const cases = {
      'unconfigured issuer': await stranger.accessToken(user),
      'configured name, stranger key': await stranger.accessToken(user, { iss: provider.url }),
      'another audience': await provider.accessToken(user, { aud: 'api://something-else' }),
      'the id token': await provider.accessToken(user, { aud: 'studio-web' }),
    };
    for (const [name, token] of Object.entries(cases)) {
      const reply = await permissions(token);
      assert.equal(reply.status, 401, `${name}: ${JSON.stringify(reply.body)}`);
    }
    assert.equal((await permissions(await provider.accessToken(user))).status, 200);
  });

  it('no studio route redirects to a place the caller names', async () => {
    for (const path of [
      '/?redirect=https://evil.example/',
      '/?returnTo=//evil.example/',
      '//evil.example/',
      '/studio/signed-in?redirect_uri=https://evil.example/&state=x&code=y',
      '/studio//evil.example/',
    ]) {
      const reply = await fetch(`${server.url}${path}`, { redirect: 'manual' });
      const location = reply.headers.get('location');
      assert.ok(location === null || location === '/studio/', `${path} → ${String(location)}`);
    }
  });
});
