/**
 * Service principal owners through the real server: the principal that creates one over the API is its
 * owner (shown by show and list), and the local owner made at first start has no owner of its own.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { readLocalCredentials } from '../../src/auth/local-owner.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server.stop();
});

interface Principal {
  appId: string;
  objectId: string;
  owners: string[];
}

it('records the creator as owner, and shows owners in show and list', async () => {
  const local = readLocalCredentials(server.dataDir);
  assert.ok(local);
  const root = (await server.call('GET', `/nightshift/servicePrincipals/${local.clientId}`))
    .body as Principal;
  assert.deepEqual(root.owners, []);

  const created = await server.call('POST', '/nightshift/servicePrincipals', { displayName: 'owned' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const sp = created.body as Principal;
  assert.deepEqual(sp.owners, [root.objectId]);
  const shown = (await server.call('GET', `/nightshift/servicePrincipals/${sp.appId}`)).body as Principal;
  assert.deepEqual(shown.owners, [root.objectId]);
  const listed = (await server.call('GET', '/nightshift/servicePrincipals')).body as { value: Principal[] };
  assert.deepEqual(listed.value.find((p) => p.appId === sp.appId)?.owners, [root.objectId]);
});
