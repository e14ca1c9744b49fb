/**
 * What the server makes of where a request comes from, over real sockets: IMDS refuses a loopback caller
 * that carries any forwarding header, and wrong client secrets delay only the source that sent them, so an
 * attacker who knows an app id cannot lock its owner out. The second source is 127.0.0.2, a loopback
 * address of its own, reached by binding the client's socket to it.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server.stop();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

function send(
  options: { method: string; path: string; headers?: Record<string, string>; from?: string },
  body?: string,
): Promise<Reply> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname,
        port,
        method: options.method,
        path: options.path,
        headers: options.headers ?? {},
        ...(options.from === undefined ? {} : { localAddress: options.from }),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('IMDS and forwarding headers', () => {
  const imds = (headers: Record<string, string>) =>
    send({
      method: 'GET',
      path: '/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://ml.azure.com',
      headers: { metadata: 'true', ...headers },
    });

  it('answers a loopback caller without them', async () => {
    assert.equal((await imds({})).status, 200);
  });

  it('refuses Forwarded, X-Real-IP, Via and the X-Forwarded family from a loopback socket', async () => {
    const forwarded: Record<string, string>[] = [
      { forwarded: 'for=203.0.113.7' },
      { 'x-real-ip': '203.0.113.7' },
      { via: '1.1 proxy' },
      { 'x-forwarded-for': '127.0.0.1' },
      { 'x-forwarded-host': 'nightshift.example.com' },
      { 'true-client-ip': '203.0.113.7' },
    ];
    for (const headers of forwarded) {
      const reply = await imds(headers);
      assert.equal(reply.status, 403, JSON.stringify(headers));
      assert.equal(reply.body.error, 'forbidden');
    }
  });
});

describe('wrong secrets from one source', () => {
  const token = (appId: string, secret: string, from?: string) =>
    send(
      {
        method: 'POST',
        path: '/nightshift/oauth2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        ...(from === undefined ? {} : { from }),
      },
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: appId,
        client_secret: secret,
        resource: 'https://ml.azure.com',
      }).toString(),
    );

  it('make that source wait, and never lock out the owner from its own source', async () => {
    const created = await server.call('POST', '/nightshift/servicePrincipals', { displayName: 'target' });
    const sp = created.body as { appId: string; password: string };
    for (let i = 0; i < 4; i++) {
      const wrong = await token(sp.appId, `guess-${i}`, '127.0.0.2');
      assert.equal(wrong.status, 401);
      assert.equal(wrong.headers['retry-after'], undefined, 'the first wrong secrets cost nothing');
    }
    const fifth = await token(sp.appId, 'guess-4', '127.0.0.2');
    assert.equal(fifth.status, 401);
    assert.match(
      String(fifth.body.error_description),
      /Too many wrong client secrets.*retry after \d+ seconds/,
    );
    assert.ok(Number(fifth.headers['retry-after']) > 0);

    const owner = await token(sp.appId, sp.password);
    assert.equal(owner.status, 200, JSON.stringify(owner.body));
    assert.equal(typeof owner.body.access_token, 'string');
  });
});
