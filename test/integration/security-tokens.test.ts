/**
 * Token and identity flaws of issue 10: the issuer of our tokens is the server's, not whatever `Host` or
 * forwarding header a request carried, and a token naming another issuer is refused even when the request
 * claims that host; IMDS hands no token to a request that carries any forwarding header, or that comes
 * from another host; and wrong secrets from one source do not lock the right secret out from another
 * (the lockout denial of service). The server listens on every interface so that a second source address
 * of this host (a non-loopback one) can be used.
 */
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it, type TestContext } from 'node:test';
import { errorCode, expectAudited, raw } from '../helpers/security-http.ts';
import {
  decodeJwt,
  MANAGEMENT,
  principalWithRole,
  reSign,
  startAttackServer,
  type AttackServer,
  type RolePrincipal,
} from '../helpers/security-principals.ts';

/** A non-loopback IPv4 address of this host, the second source of the lockout and IMDS tests. */
function otherAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/** Ways a request claims to be addressed to another host. */
const EVIL_HOSTS: Record<string, string>[] = [
  { host: 'evil.example' },
  { 'x-forwarded-host': 'evil.example' },
];

const FORWARDING_HEADERS: Record<string, string> = {
  forwarded: 'for=203.0.113.9;proto=https',
  'x-forwarded-for': '203.0.113.9',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'https',
  'x-forwarded-port': '443',
  'x-real-ip': '203.0.113.9',
  'x-client-ip': '203.0.113.9',
  'true-client-ip': '203.0.113.9',
  'cf-connecting-ip': '203.0.113.9',
  'x-originating-ip': '203.0.113.9',
  'client-ip': '203.0.113.9',
  'x-cluster-client-ip': '203.0.113.9',
  via: '1.1 proxy.example',
};

describe('tokens bound to the server, IMDS and the wrong-secret limiter', () => {
  let server: AttackServer;
  let reader: RolePrincipal;
  const other = otherAddress();

  /** A client-credentials token request, as sent through `options` (Host, source address). */
  function tokenRequest(
    sp: { appId: string; password: string },
    options: { headers?: Record<string, string>; localAddress?: string; path?: string } = {},
  ) {
    return raw(server.url, {
      method: 'POST',
      path: options.path ?? '/nightshift/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sp.appId,
        client_secret: sp.password,
        resource: MANAGEMENT,
        scope: `${MANAGEMENT}/.default`,
      }).toString(),
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
    });
  }

  const tokenOf = (body: unknown) => (body as { access_token: string }).access_token;

  before(async () => {
    server = await startAttackServer('0.0.0.0');
    reader = await principalWithRole(server, 'Reader');
  });

  after(async () => {
    await server.stop();
  });

  it('a token requested with Host: evil.example carries the server issuer', async () => {
    const plain = await tokenRequest(reader);
    assert.equal(plain.status, 200, plain.text);
    const issuer = decodeJwt(tokenOf(plain.json)).payload.iss;
    for (const headers of EVIL_HOSTS) {
      for (const path of ['/nightshift/oauth2/token', '/nightshift/oauth2/v2.0/token']) {
        const reply = await tokenRequest(reader, { headers, path });
        assert.equal(reply.status, 200, reply.text);
        const iss = String(decodeJwt(tokenOf(reply.json)).payload.iss);
        assert.ok(!iss.includes('evil.example'), `${path} with ${JSON.stringify(headers)}: iss ${iss}`);
        if (path.endsWith('/oauth2/token')) assert.equal(iss, issuer);
      }
    }
    const discovery = await raw(server.url, {
      method: 'GET',
      path: '/nightshift/.well-known/openid-configuration',
      headers: { host: 'evil.example' },
    });
    assert.equal(discovery.status, 200, discovery.text);
    assert.ok(!discovery.text.includes('evil.example'), discovery.text);
  });

  it('a token whose issuer is the evil host is refused, whatever Host the request claims', async () => {
    const plain = tokenOf((await tokenRequest(reader)).json);
    const forged = reSign(server.dataDir, plain, { iss: 'http://evil.example/nightshift/' });
    const path = `${server.ws}/batchEndpoints`;
    for (const headers of [...EVIL_HOSTS, {}]) {
      const since = new Date().toISOString();
      const reply = await raw(server.url, {
        method: 'GET',
        path,
        headers: { ...headers, authorization: `Bearer ${forged}` },
      });
      const label = `${JSON.stringify(headers)} -> ${reply.status} ${reply.text}`;
      assert.equal(reply.status, 401, label);
      assert.equal(errorCode(reply.json), 'InvalidIssuer', label);
      await expectAudited(server.url, await server.owner('/nightshift/auditLogs'), {
        method: 'GET',
        path,
        status: 401,
        since,
      });
    }
    // The unforged token still works: the refusal is about the issuer only.
    const ok = await raw(server.url, { method: 'GET', path, headers: { authorization: `Bearer ${plain}` } });
    assert.equal(ok.status, 200, ok.text);
  });

  const IMDS = `/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(MANAGEMENT)}`;

  it('IMDS answers a plain local request, and refuses any forwarding header', async () => {
    const plain = await raw(server.url, { method: 'GET', path: IMDS, headers: { metadata: 'true' } });
    assert.equal(plain.status, 200, plain.text);
    const handedOut: string[] = [];
    for (const [name, value] of Object.entries(FORWARDING_HEADERS)) {
      const since = new Date().toISOString();
      const reply = await raw(server.url, {
        method: 'GET',
        path: IMDS,
        headers: { metadata: 'true', [name]: value },
      });
      const label = `${name}: ${value} -> ${reply.status} ${reply.text.slice(0, 200)}`;
      if (reply.status !== 403 || reply.text.includes('access_token')) {
        handedOut.push(`${name} (${reply.status})`);
        continue;
      }
      assert.equal(errorCode(reply.json), 'forbidden', label);
      await expectAudited(server.url, await server.owner('/nightshift/auditLogs'), {
        method: 'GET',
        path: IMDS,
        status: 403,
        since,
      });
    }
    assert.deepEqual(handedOut, [], `IMDS answered requests with ${handedOut.join(', ')}`);
  });

  it('IMDS refuses a caller on another address of the host', async (t: TestContext) => {
    if (other === undefined) {
      t.skip('this host has no non-loopback IPv4 address');
      return;
    }
    const reply = await raw(server.url, {
      method: 'GET',
      path: IMDS,
      headers: { metadata: 'true' },
      localAddress: other,
    });
    assert.equal(reply.status, 403, reply.text);
  });

  it('wrong secrets from one source do not lock the right secret out from another', async (t: TestContext) => {
    if (other === undefined) {
      t.skip('this host has no non-loopback IPv4 address');
      return;
    }
    for (const [attacker, rightful] of [
      [other, '127.0.0.1'],
      ['127.0.0.1', other],
    ] as const) {
      const victim = await principalWithRole(server, 'Reader');
      const wrong = { appId: victim.appId, password: 'guessed-wrong' };
      let last = await tokenRequest(wrong, { localAddress: attacker });
      for (let i = 0; i < 7; i++) last = await tokenRequest(wrong, { localAddress: attacker });
      assert.ok(last.status === 401 || last.status === 429, last.text);
      const since = new Date().toISOString();
      const right = await tokenRequest(victim, { localAddress: rightful });
      assert.equal(
        right.status,
        200,
        `wrong secrets from ${attacker} locked out the right secret from ${rightful}: ${right.text}`,
      );
      await expectAudited(server.url, await server.owner('/nightshift/auditLogs'), {
        method: 'POST',
        path: '/nightshift/oauth2/token',
        status: 200,
        since,
      });
    }
  });
});
