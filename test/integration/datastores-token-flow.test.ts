/**
 * A real token flow end to end, with nothing of Azure but its protocols: Azurite over HTTPS with OAuth on,
 * a local Entra ID token endpoint (test/helpers/token-authority.ts) and the server's real
 * @azure/identity credentials. An ADLS Gen2 datastore with its own service principal is created (its
 * probe gets a token from the authority and lists the file system), then read and written through the
 * datastore's file routes; a wrong client secret is refused at creation with the authority's answer
 * named; and identity-based access through the server's configured service principal works the same way.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { needs, OPENSSL } from '../helpers/components.ts';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import type { ErrorBody } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { startTokenAuthority, trust, type TokenAuthority } from '../helpers/token-authority.ts';

const CLIENT = { tenant: 'lake-tenant', clientId: 'lake-client', clientSecret: 'lake-secret-5b8e0f' };
const FILESYSTEM = 'lake';

let authority: TokenAuthority | undefined;
let azurite: Azurite | undefined;
let server: TestServer | undefined;
const options = await needs(OPENSSL);

/** The parts the tests use, once before() has started them. */
function the(): { authority: TokenAuthority; azurite: Azurite; server: TestServer } {
  assert.ok(authority && azurite && server, 'started in before()');
  return { authority, azurite, server };
}

before(async () => {
  if (options.skip) return;
  authority = await startTokenAuthority(CLIENT);
  trust(authority.tls.cert);
  azurite = await startAzurite({ oauth: authority.tls });
  const filesystem = containerClientOf({
    accountName: DEV_ACCOUNT,
    containerName: FILESYSTEM,
    endpoint: azurite.accountUrl,
    credential: { accountKey: DEV_KEY },
  });
  await filesystem.create();
  await filesystem.getBlockBlobClient('in/a.csv').upload('x\n1\n', 4);
  // The server's own identity for credential-less datastores is the same principal, from the environment.
  server = await startServer({
    env: {
      AZURE_TENANT_ID: CLIENT.tenant,
      AZURE_CLIENT_ID: CLIENT.clientId,
      AZURE_CLIENT_SECRET: CLIENT.clientSecret,
      AZURE_AUTHORITY_HOST: authority.url,
      // Azurite is not Azure Storage: the operator trusts it with the server's token by name.
      NIGHTSHIFT_STORAGE_IDENTITY_HOSTS: new URL(azurite.accountUrl).host,
    },
  });
});

after(async () => {
  await server?.stop();
  await azurite?.stop();
  await authority?.stop();
});

const adlsBody = (clientSecret: string) => ({
  properties: {
    datastoreType: 'AzureDataLakeGen2',
    accountName: DEV_ACCOUNT,
    filesystem: FILESYSTEM,
    endpoint: the().azurite.accountUrl,
    credentials: {
      credentialsType: 'ServicePrincipal',
      tenantId: CLIENT.tenant,
      clientId: CLIENT.clientId,
      authorityUrl: the().authority.url,
      secrets: { secretsType: 'ServicePrincipal', clientSecret },
    },
  },
});

void describe('a token from a local authority reaches Azurite over HTTPS', options, () => {
  it('an ADLS Gen2 datastore with a service principal is created, read and written', async () => {
    const path = `${the().server.ws}/datastores/lake`;
    const created = await the().server.call('PUT', path, adlsBody(CLIENT.clientSecret));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.ok(the().authority.granted.length > 0, 'the probe got its token from the authority');
    const read = await fetch(`${the().server.url}${path}/paths/in/a.csv`, {
      headers: await the().server.auth(path),
    });
    assert.equal(await read.text(), 'x\n1\n');
    const put = await fetch(`${the().server.url}${path}/paths/out/b.csv`, {
      method: 'PUT',
      headers: { ...(await the().server.auth(path)), 'content-type': 'application/octet-stream' },
      body: 'y\n2\n',
    });
    assert.equal(put.status, 201, await put.text());
    const direct = containerClientOf({
      accountName: DEV_ACCOUNT,
      containerName: FILESYSTEM,
      endpoint: the().azurite.accountUrl,
      credential: { accountKey: DEV_KEY },
    });
    assert.equal((await direct.getBlobClient('out/b.csv').downloadToBuffer()).toString(), 'y\n2\n');
  });

  it("a wrong client secret is refused at creation with the authority's refusal named", async () => {
    const path = `${the().server.ws}/datastores/wrongsecret`;
    const refused = await the().server.call('PUT', path, adlsBody('not-the-secret'));
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    const message = (refused.body as ErrorBody).error.message;
    assert.match(message, /^Datastore 'wrongsecret': listing container 'lake'/);
    assert.match(message, /failed with AuthenticationRequiredError \(invalid_client\)/);
    assert.doesNotMatch(message, /not-the-secret/);
    assert.equal((await the().server.call('GET', path)).status, 404);
  });

  it("identity-based access uses the server's configured service principal", async () => {
    const granted = the().authority.granted.length;
    const path = `${the().server.ws}/datastores/blobidentity`;
    const created = await the().server.call('PUT', path, {
      properties: {
        datastoreType: 'AzureBlob',
        accountName: DEV_ACCOUNT,
        containerName: FILESYSTEM,
        endpoint: the().azurite.accountUrl,
        credentials: { credentialsType: 'None' },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.ok(the().authority.granted.length > granted, 'a token was asked for with the server principal');
    const listing = await the().server.call('GET', `${path}/paths/in`);
    assert.deepEqual(
      (listing.body as { value: { path: string }[] }).value.map((f) => f.path),
      ['in/a.csv'],
    );
  });

  it("the server's token is not sent to an https host the operator does not trust", async () => {
    const granted = the().authority.granted.length;
    const path = `${the().server.ws}/datastores/exfiltrate`;
    const refused = await the().server.call('PUT', path, {
      properties: {
        datastoreType: 'AzureBlob',
        accountName: DEV_ACCOUNT,
        containerName: FILESYSTEM,
        // Any https server the caller runs; here the authority's own port, which is not Azurite's.
        endpoint: `${the().authority.url}/${DEV_ACCOUNT}`,
        credentials: { credentialsType: 'None' },
      },
    });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.match((refused.body as ErrorBody).error.message, /only to Azure Storage/);
    assert.equal(the().authority.granted.length, granted, 'no token was asked for');
  });

  it("listSecrets gives the client secret in Azure's shape; nothing else holds it in clear", async () => {
    const secrets = await the().server.call('POST', `${the().server.ws}/datastores/lake/listSecrets`);
    assert.equal(secrets.status, 200, JSON.stringify(secrets.body));
    assert.deepEqual(secrets.body, { secretsType: 'ServicePrincipal', clientSecret: CLIENT.clientSecret });
    const shown = await the().server.call('GET', `${the().server.ws}/datastores/lake`);
    const audit = await the().server.call('GET', '/nightshift/auditLogs');
    const texts = [JSON.stringify(shown.body), JSON.stringify(audit.body)];
    assert.match(texts[1] ?? '', /datastores\/lake\/listSecrets/);
    for (const file of readdirSync(the().server.dataDir).filter((f) => f.startsWith('metadata.db'))) {
      texts.push(readFileSync(join(the().server.dataDir, file)).toString('latin1'));
    }
    for (const text of texts) assert.ok(!text.includes(CLIENT.clientSecret), text.slice(0, 300));
  });
});
