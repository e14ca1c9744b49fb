/**
 * Two servers scaled out on one PostgreSQL database and one Redis keep the directory in memory, so a
 * change made through one must reach the other: a role assignment removed through the first stops
 * working on the second, and a service principal deleted through the first can no longer call the
 * second with a token it already holds. The second server has served the principal before the change,
 * so its copy is warm: the attack is a revoked principal that keeps using the server that did not see
 * the change. Each answer is waited for (the change arrives by a signal), never for a fixed time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { keptTokens, servicePrincipalTokens } from '../helpers/auth.ts';
import { startServeProcess, type ServeProcess } from '../helpers/cli.ts';
import { needs, POSTGRES, REDIS } from '../helpers/components.ts';
import { Nightshift } from '../helpers/jobs.ts';
import { ownQueue } from '../helpers/redis.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/scale-out.ts';

describe('the directory across two scaled-out servers', await needs(POSTGRES, REDIS), () => {
  const root = mkdtempSync(join(tmpdir(), 'nightshift-directory-'));
  const queue = ownQueue();
  let database: TestDatabase | undefined;
  const servers: ServeProcess[] = [];
  let first: Nightshift;
  let secondUrl = '';

  const serve = (name: string) => {
    const server = startServeProcess(join(root, name), [
      ...['--database', database?.url ?? '', '--queue', queue.url],
      ...['--keys-dir', join(root, 'keys'), '--shared-dir', join(root, 'shared')],
    ]);
    servers.push(server);
    return server.ready;
  };

  before(async () => {
    database = await createTestDatabase();
    first = await Nightshift.connect(await serve('a'));
    secondUrl = await serve('b');
  });

  after(async () => {
    for (const server of servers) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await database?.drop();
    await queue.clear();
    rmSync(root, { recursive: true, force: true });
  });

  /** A new principal with Reader on the workspace, and a client of it on the second server. */
  async function reader(name: string) {
    const sp = await first.ok<{ appId: string; password: string }>('POST', '/nightshift/servicePrincipals', {
      json: { displayName: name },
    });
    await first.ok('POST', '/nightshift/roleAssignments', {
      json: { assignee: sp.appId, role: 'Reader', scope: first.ws },
    });
    // The tokens it was given are kept: a principal deleted later still holds them.
    const tokens = keptTokens(servicePrincipalTokens(secondUrl, sp.appId, sp.password));
    const client = await Nightshift.connect(secondUrl, tokens);
    return { sp, client };
  }

  /**
   * Asks until the answer's status is `status`. The change travels by a signal, and a server's copy is
   * read again after 5 s whatever comes, so an answer that has not changed after three times that never will.
   */
  async function until(
    client: Nightshift,
    path: string,
    status: number,
  ): Promise<{ status: number; text: string }> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const reply = await client.request('GET', path);
      if (reply.status === status) return reply;
      assert.ok(Date.now() < deadline, `still ${String(reply.status)}, not ${String(status)}: ${reply.text}`);
      await sleep(50);
    }
  }

  test('a role removed through one server stops working on the other', async () => {
    const { sp, client } = await reader('directory-reader');
    assert.equal((await client.request('GET', `${client.ws}/jobs`)).status, 200);
    await first.ok('POST', '/nightshift/roleAssignments/delete', {
      json: { assignee: sp.appId, role: 'Reader', scope: first.ws },
    });
    const refused = await until(client, `${client.ws}/jobs`, 403);
    assert.match(refused.text, /Microsoft\.MachineLearningServices\/workspaces\/jobs\/read/);
  });

  test('a service principal deleted through one server cannot call the other with the token it holds', async () => {
    const { sp, client } = await reader('directory-deleted');
    assert.equal((await client.request('GET', `${client.ws}/jobs`)).status, 200);
    await first.ok('DELETE', `/nightshift/servicePrincipals/${sp.appId}`);
    const refused = await until(client, `${client.ws}/jobs`, 401);
    assert.match(refused.text, /no longer exists/);
  });

  test('a role granted through one server works on the other', async () => {
    const sp = await first.ok<{ appId: string; password: string }>('POST', '/nightshift/servicePrincipals', {
      json: { displayName: 'directory-late' },
    });
    const client = await Nightshift.connect(
      secondUrl,
      servicePrincipalTokens(secondUrl, sp.appId, sp.password),
    );
    assert.equal((await client.request('GET', `${client.ws}/jobs`)).status, 403);
    await first.ok('POST', '/nightshift/roleAssignments', {
      json: { assignee: sp.appId, role: 'Reader', scope: first.ws },
    });
    await until(client, `${client.ws}/jobs`, 200);
  });
});
