/**
 * No change without an audit line, even when the client hangs up first. On 8053f2c the audit entry was
 * written when the response finished, and a response to a socket the client had closed never finishes:
 * a raw client that sent a mutating request and closed at once changed things with no trace. Each test
 * sends a request on a raw socket, closes it without reading, waits for the change (or the refusal) to
 * be visible, and then finds the call in the audit log.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { auditLog, expectAudited } from '../helpers/security-http.ts';
import {
  principalWithRole,
  startAttackServer,
  type AttackServer,
  type RolePrincipal,
} from '../helpers/security-principals.ts';

/** Writes one HTTP/1.1 request on a new socket and closes the socket at once, reading nothing. */
function sendAndHangUp(
  server: AttackServer,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string,
) {
  return new Promise<void>((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => {
      const head = [
        `${method} ${path} HTTP/1.1`,
        `host: 127.0.0.1:${server.port}`,
        'content-type: application/json',
        `content-length: ${Buffer.byteLength(body)}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ].join('\r\n');
      socket.end(`${head}\r\n\r\n${body}`, () => {
        socket.destroy();
        resolve();
      });
    });
    socket.on('error', reject);
  });
}

describe('a client that closes before the answer is still audited', () => {
  let server: AttackServer;
  let reader: RolePrincipal;

  before(async () => {
    server = await startAttackServer();
    reader = await principalWithRole(server, 'Reader');
  });

  after(async () => {
    await server.stop();
  });

  /** The audit entries of `method path` written since `since`, read again a bounded number of times. */
  async function entriesOf(method: string, path: string, since: string) {
    for (let attempt = 0; attempt < 40; attempt++) {
      const rows = await auditLog(server.url, await server.owner('/nightshift/auditLogs'));
      const found = rows.filter((r) => r.time >= since && r.method === method && r.path === path);
      if (found.length > 0) return found;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return [];
  }

  it('a mutation whose client hung up is in the audit log, and so is its outcome if it took effect', async () => {
    const since = new Date().toISOString();
    const path = '/nightshift/managedIdentities';
    const name = `ghost-${Date.now()}`;
    await sendAndHangUp(server, 'POST', path, await server.owner(path), JSON.stringify({ name }));
    const entries = await entriesOf('POST', path, since);
    assert.ok(entries.length > 0, 'the hung-up mutation left no audit entry');
    const made = await fetch(`${server.url}${path}/${name}`, { headers: await server.owner(path) });
    if (made.status === 200) {
      assert.ok(
        entries.some((e) => e.status === 201),
        `created, but the audit log says ${JSON.stringify(entries)}`,
      );
    }
  });

  it('a refusal whose client hung up is in the audit log, once', async () => {
    const since = new Date().toISOString();
    const path = '/nightshift/servicePrincipals';
    await sendAndHangUp(server, 'GET', path, await reader.header(path), '');
    const entry = await expectAudited(server.url, await server.owner('/nightshift/auditLogs'), {
      method: 'GET',
      path,
      status: 403,
      since,
    });
    assert.equal(entry.principal, reader.appId);
    assert.equal((await entriesOf('GET', path, since)).length, 1, 'audited once');
  });
});
