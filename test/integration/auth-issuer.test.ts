/**
 * Our tokens' issuer is bound to the server, not to the request: a token fetched with `Host: evil.example`
 * carries the server's fixed issuer, a token minted with the Host's issuer is refused even when the request
 * names that Host, discovery answers the fixed issuer whatever the Host, the issuer survives a restart on
 * another port, and a configured issuer (NIGHTSHIFT_ISSUER_URL) is used instead of the listening URL.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { issueToken } from '../../src/auth/tokens/issuer.ts';
import { KeyStore } from '../../src/auth/tokens/key-store.ts';
import { readLocalCredentials } from '../../src/auth/local-owner.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { at } from '../helpers/json.ts';

const MGMT = 'https://management.azure.com';

/** One HTTP request with headers fetch would not send as given (Host). */
function raw(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: unknown }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The local owner's token for the management API, requested with the given Host header. */
async function ownerToken(server: TestServer, host: string): Promise<string> {
  const owner = readLocalCredentials(server.dataDir);
  assert.ok(owner);
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: owner.clientId,
    client_secret: owner.clientSecret,
    resource: MGMT,
  }).toString();
  const headers = { host, 'content-type': 'application/x-www-form-urlencoded' };
  const reply = await raw(server.url, 'POST', '/nightshift/oauth2/token', headers, form);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return String(at(reply.body, 'access_token'));
}

const listEndpoints = (server: TestServer, host: string, token: string) =>
  raw(server.url, 'GET', `${server.ws}/batchEndpoints`, { host, authorization: `Bearer ${token}` });

describe('the issuer is fixed by the server', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer();
  });

  after(async () => {
    await server.stop();
  });

  it('puts the fixed issuer in a token requested with Host: evil.example, and accepts it anywhere', async () => {
    const token = await ownerToken(server, 'evil.example');
    assert.equal(decodeJwt(token).iss, `${server.url}/nightshift/`);
    assert.equal((await listEndpoints(server, 'evil.example', token)).status, 200);
    const port = new URL(server.url).port;
    assert.equal((await listEndpoints(server, `localhost:${port}`, token)).status, 200);
  });

  it("refuses a token minted with the Host's issuer, even when the request names that Host", async () => {
    const keys = await KeyStore.open({ dir: join(server.dataDir, 'keys') });
    const honest = decodeJwt(await ownerToken(server, new URL(server.url).host));
    const { accessToken } = await issueToken(
      {
        subject: String(honest.sub),
        objectId: String(honest.oid),
        appId: String(honest.appid),
        tenantId: 'nightshift',
        audience: MGMT,
        issuer: 'http://evil.example/nightshift/',
        idType: 'app',
        lifetimeSeconds: 600,
      },
      { key: keys.current() },
    );
    const refused = await listEndpoints(server, 'evil.example', accessToken);
    assert.equal(refused.status, 401);
    assert.equal(at(refused.body, 'error.code'), 'InvalidIssuer');
  });

  it('serves discovery documents built from the fixed issuer, whatever the Host', async () => {
    for (const [path, issuer] of [
      ['/nightshift/.well-known/openid-configuration', `${server.url}/nightshift/`],
      ['/nightshift/v2.0/.well-known/openid-configuration', `${server.url}/nightshift/v2.0`],
    ] as const) {
      const doc = await raw(server.url, 'GET', path, { host: 'evil.example' });
      assert.equal(at(doc.body, 'issuer'), issuer);
      assert.ok(String(at(doc.body, 'jwks_uri')).startsWith(`${server.url}/nightshift/`));
    }
  });
});

describe('the issuer outlives a restart, and configuration sets it', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nightshift-issuer-restart-'));

  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the first start URL after a restart on another port', async () => {
    const first = await startServer({ dataDir });
    const before = await ownerToken(first, new URL(first.url).host);
    await first.stop();
    const second = await startServer({ dataDir });
    try {
      assert.notEqual(second.url, first.url);
      const token = await ownerToken(second, new URL(second.url).host);
      assert.equal(decodeJwt(token).iss, `${first.url}/nightshift/`);
      const host = new URL(second.url).host;
      assert.equal((await listEndpoints(second, host, token)).status, 200);
      assert.equal((await listEndpoints(second, host, before)).status, 200, 'a token from before');
    } finally {
      await second.stop();
    }
  });

  it('uses NIGHTSHIFT_ISSUER_URL instead, and then refuses tokens of the stored issuer', async () => {
    const stored = await startServer({ dataDir });
    const old = await ownerToken(stored, new URL(stored.url).host);
    await stored.stop();
    const configured = await startServer({
      dataDir,
      env: { NIGHTSHIFT_ISSUER_URL: 'https://nightshift.example.com/' },
    });
    try {
      const host = new URL(configured.url).host;
      const token = await ownerToken(configured, host);
      assert.equal(decodeJwt(token).iss, 'https://nightshift.example.com/nightshift/');
      assert.equal((await listEndpoints(configured, host, token)).status, 200);
      const refused = await listEndpoints(configured, host, old);
      assert.equal(at(refused.body, 'error.code'), 'InvalidIssuer');
    } finally {
      await configured.stop();
    }
  });
});
