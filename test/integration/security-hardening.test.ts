/**
 * The low-severity findings of the security review, each as the request or start that showed it: a role
 * assignment whose scope is spelled with `..`, `.`, `//` or percent-encoding (stored on 8053f2c, and
 * compared as text with scopes no check builds); a server on every interface without --issuer-url fixing
 * `http://0.0.0.0:PORT` as its tokens' issuer; and a data dir and metadata.db readable by other users.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { errorCode, expectAudited, raw } from '../helpers/security-http.ts';
import {
  decodeJwt,
  MANAGEMENT,
  startAttackServer,
  type AttackServer,
} from '../helpers/security-principals.ts';
import { startServer } from '../helpers/server.ts';

describe('scopes, the issuer on every interface, and file modes', () => {
  let server: AttackServer;

  before(async () => {
    server = await startAttackServer('0.0.0.0');
  });

  after(async () => {
    await server.stop();
  });

  it('refuses role assignments whose scope has dot, empty or percent-encoded segments', async () => {
    const created = await raw(server.url, {
      method: 'POST',
      path: '/nightshift/servicePrincipals',
      headers: {
        ...(await server.owner('/nightshift/servicePrincipals')),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ displayName: 'scoped' }),
    });
    const { appId } = created.json as { appId: string };
    for (const scope of [
      `${server.ws}/batchEndpoints/ep/..`,
      `${server.ws}/../../workspaces/other`,
      `${server.ws}/./batchEndpoints/ep`,
      `${server.ws}//batchEndpoints/ep`,
      `${server.ws}/batchEndpoints/%65p`,
      `${server.ws}/datastores/a%2Fb`,
    ]) {
      const since = new Date().toISOString();
      const path = '/nightshift/roleAssignments';
      const reply = await raw(server.url, {
        method: 'POST',
        path,
        headers: { ...(await server.owner(path)), 'content-type': 'application/json' },
        body: JSON.stringify({ assignee: appId, role: 'Reader', scope }),
      });
      assert.equal(reply.status, 400, `${scope}: ${reply.text}`);
      assert.equal(errorCode(reply.json), 'UserError', reply.text);
      assert.match(reply.text, /Scope '/);
      await expectAudited(server.url, await server.owner('/nightshift/auditLogs'), {
        method: 'POST',
        path,
        status: 400,
        since,
      });
    }
    const listed = await raw(server.url, {
      method: 'GET',
      path: `/nightshift/roleAssignments?assignee=${appId}`,
      headers: await server.owner('/nightshift/roleAssignments'),
    });
    assert.deepEqual((listed.json as { value: unknown[] }).value, []);
    // The datastore scope, spelled plainly, is a scope like any other.
    const plain = await raw(server.url, {
      method: 'POST',
      path: '/nightshift/roleAssignments',
      headers: { ...(await server.owner('/nightshift/roleAssignments')), 'content-type': 'application/json' },
      body: JSON.stringify({
        assignee: appId,
        role: 'Storage Blob Data Reader',
        scope: `${server.ws}/datastores/workspaceblobstore`,
      }),
    });
    assert.equal(plain.status, 201, plain.text);
  });

  it('on every interface without --issuer-url, the issuer is http://127.0.0.1:PORT', async () => {
    const token = await server.ownerToken(MANAGEMENT);
    assert.equal(decodeJwt(token).payload.iss, `http://127.0.0.1:${server.port}/nightshift/`);
    const discovery = await raw(server.url, {
      method: 'GET',
      path: '/nightshift/v2.0/.well-known/openid-configuration',
    });
    assert.equal(
      (discovery.json as { issuer: string }).issuer,
      `http://127.0.0.1:${server.port}/nightshift/v2.0`,
    );
  });
});

describe('the data dir a server makes', () => {
  it('is owner-only, and so are metadata.db, credentials.json, secret-box.key and the keys', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'nightshift-modes-'));
    const dataDir = join(parent, 'data');
    const server = await startServer({ dataDir });
    try {
      const mode = (path: string) => statSync(join(dataDir, path)).mode & 0o777;
      assert.equal(mode('.'), 0o700);
      for (const file of ['metadata.db', 'credentials.json', 'secret-box.key'])
        assert.equal(mode(file), 0o600, `${file}: ${mode(file).toString(8)}`);
      assert.equal(mode('keys'), 0o700);
      for (const key of readdirSync(join(dataDir, 'keys'))) assert.equal(mode(join('keys', key)), 0o600, key);
    } finally {
      await server.stop();
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
