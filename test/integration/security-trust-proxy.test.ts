/**
 * `X-Forwarded-For` is believed only from proxies the operator named (`--trust-proxy`). By default the
 * header changes nothing: a client that rotates it gets no fresh wrong-secret budget and the audit log
 * records the socket's peer. With `--trust-proxy 1` the audit log records the address the proxy gave,
 * and a value that is neither hops nor addresses is refused at start naming the setting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { auditLog, raw } from '../helpers/security-http.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const MANAGEMENT = 'https://management.azure.com';

function tokenRequest(server: TestServer, appId: string, secret: string, forwardedFor: string) {
  return raw(server.url, {
    method: 'POST',
    path: '/nightshift/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': forwardedFor },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: appId,
      client_secret: secret,
      resource: MANAGEMENT,
    }).toString(),
  });
}

async function newPrincipal(server: TestServer): Promise<{ appId: string; password: string }> {
  const created = await server.call('POST', '/nightshift/servicePrincipals', { displayName: 'proxied' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body as { appId: string; password: string };
}

/** The newest audit entry of a token request for `appId`. */
async function tokenEntry(server: TestServer, appId: string) {
  const rows = await auditLog(server.url, await server.auth('/nightshift/auditLogs'), { principal: appId });
  return rows.find((r) => r.action === 'token/issue');
}

describe('forwarding headers and the source address', () => {
  let plain: TestServer;
  let proxied: TestServer;

  before(async () => {
    plain = await startServer();
    proxied = await startServer({ env: { NIGHTSHIFT_TRUST_PROXY: '1' } });
  });

  after(async () => {
    await plain.stop();
    await proxied.stop();
  });

  it('by default, a rotated X-Forwarded-For neither escapes the lockout nor reaches the audit log', async () => {
    const sp = await newPrincipal(plain);
    let last = await tokenRequest(plain, sp.appId, 'wrong', '198.51.100.1');
    for (let i = 2; i <= 12; i++) last = await tokenRequest(plain, sp.appId, 'wrong', `198.51.100.${i}`);
    assert.match(
      last.text,
      /Too many wrong client secrets/,
      'a new X-Forwarded-For each time was a new source',
    );
    const entry = await tokenEntry(plain, sp.appId);
    assert.equal(entry?.address, '127.0.0.1', JSON.stringify(entry));
  });

  it('with --trust-proxy 1, the address the proxy gives is the one recorded', async () => {
    const sp = await newPrincipal(proxied);
    const reply = await tokenRequest(proxied, sp.appId, sp.password, '203.0.113.7');
    assert.equal(reply.status, 200, reply.text);
    const entry = await tokenEntry(proxied, sp.appId);
    assert.equal(entry?.address, '203.0.113.7', JSON.stringify(entry));
  });

  it('refuses a --trust-proxy that is neither hops nor addresses, naming it', () => {
    for (const bad of ['true', '0', '11', 'proxy.example', '10.0.0.0/33', '1.2.3.4/8/9']) {
      assert.throws(
        () => loadConfig({ flags: { trustProxy: bad }, env: {} }),
        (error: Error) => error.message.includes('trustProxy') && error.message.includes(bad),
        bad,
      );
    }
    assert.deepEqual(loadConfig({ flags: { trustProxy: '127.0.0.1, 10.0.0.0/8' } }).trustProxy, [
      '127.0.0.1',
      '10.0.0.0/8',
    ]);
    assert.equal(loadConfig({}).trustProxy, false);
  });
});
