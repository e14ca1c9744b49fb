/**
 * Identity-based access and ADLS Gen2 through the real server and CLI. Entra ID is not reachable here (and
 * Azurite takes tokens only over https), so what is checked is which identity each datastore uses and that
 * a datastore whose identity cannot get a token is refused at creation, in bounded time, with a 400 that
 * names the datastore, the identity (ids only) and the identity library's error, and nothing saved: an
 * `azure_blob` YAML without credentials on a server with no managed identity; the same on a server given
 * a service principal through AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET; an ADLS Gen2 datastore
 * with its own service principal; and a token over plain http, or of the server's identity to a host that
 * is neither Azure Storage nor trusted by the operator, is refused before any request. The client secrets
 * appear in no answer, CLI output, audit entry or metadata file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEV_ACCOUNT } from '../helpers/azurite.ts';
import { runCli, writeFileIn } from '../helpers/cli.ts';
import { type ErrorBody } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const DATASTORE_SECRET = 'adls-client-secret-3f9a1c';
const SERVER_SECRET = 'server-client-secret-7d2e4b';

/** No identity configured: the managed identity is asked for, and there is none on this machine. */
let plain: TestServer;
/** A service principal from the environment, whose authority nobody serves. */
let withSp: TestServer;
let scratch: string;
let deadAuthority: string;
/** An https account URL nobody serves: the token is asked for before any storage request is sent. */
let deadAccount: string;
const seen: string[] = [];

before(async () => {
  deadAuthority = `https://127.0.0.1:${String(await closedPort())}`;
  deadAccount = `https://127.0.0.1:${String(await closedPort())}/${DEV_ACCOUNT}`;
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-identity-'));
  plain = await startServer();
  withSp = await startServer({
    env: {
      AZURE_TENANT_ID: 'server-tenant',
      AZURE_CLIENT_ID: 'server-client',
      AZURE_CLIENT_SECRET: SERVER_SECRET,
      AZURE_AUTHORITY_HOST: deadAuthority,
    },
  });
});

after(async () => {
  await plain.stop();
  await withSp.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function call(server: TestServer, method: string, path: string, body?: unknown) {
  const reply = await server.call(method, path, body);
  seen.push(JSON.stringify(reply.body ?? ''));
  return reply;
}

async function cli(server: TestServer, ...args: string[]) {
  const result = await runCli(args, { server: server.url });
  seen.push(result.stdout, result.stderr);
  return result;
}

/** An azure_blob YAML without credentials; Azure's default endpoint unless `endpoint` is given. */
function identityYaml(name: string, endpoint?: string): string {
  return writeFileIn(
    scratch,
    `${name}.yml`,
    [
      `name: ${name}`,
      'type: azure_blob',
      `account_name: ${DEV_ACCOUNT}`,
      'container_name: data',
      ...(endpoint === undefined ? [] : [`endpoint: ${endpoint}`]),
      '',
    ].join('\n'),
  );
}

void describe('azure_blob without credentials uses the server identity', () => {
  it('on a server with no managed identity, create is refused naming it, and nothing is saved', async () => {
    const refused = await cli(plain, 'datastore', 'create', '-f', identityYaml('mine'));
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Datastore 'mine': listing container 'data' in account 'devstoreaccount1'/);
    assert.match(refused.stderr, /failed with (CredentialUnavailableError|AuthenticationError|Timeout)/);
    assert.match(refused.stderr, /the server's managed identity/);
    assert.match(refused.stderr, /AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET/);
    assert.equal((await call(plain, 'GET', `${plain.ws}/datastores/mine`)).status, 404);
  });

  it('on a server given a service principal, that principal is the one used', async () => {
    const refused = await cli(withSp, 'datastore', 'create', '-f', identityYaml('viasp'));
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /the server's service principal server-client \(tenant server-tenant\)/);
    assert.match(refused.stderr, /failed with (CredentialUnavailableError|AuthenticationError|Timeout)/);
    assert.equal((await call(withSp, 'GET', `${withSp.ws}/datastores/viasp`)).status, 404);
  });

  it("the server's token goes only to Azure Storage or a host the operator trusts", async () => {
    for (const [name, endpoint] of [
      ['toattacker', deadAccount],
      ['tosuffix', 'evil.example'],
      ['toport', 'https://devstoreaccount1.blob.core.windows.net:8443/'],
    ] as const) {
      const refused = await cli(withSp, 'datastore', 'create', '-f', identityYaml(name, endpoint));
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /sends the server's own token only to Azure Storage/);
      assert.match(refused.stderr, /NIGHTSHIFT_STORAGE_IDENTITY_HOSTS/);
      assert.equal((await call(withSp, 'GET', `${withSp.ws}/datastores/${name}`)).status, 404);
    }
  });

  it('a plain http account URL is refused before any request: tokens go over https only', async () => {
    const refused = await cli(
      withSp,
      'datastore',
      'create',
      '-f',
      identityYaml('overhttp', 'http://127.0.0.1:1/a'),
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Identity-based access sends Entra ID tokens, which go over https only/);
  });
});

void describe('ADLS Gen2', () => {
  const adlsBody = (credentials: unknown) => ({
    properties: {
      datastoreType: 'AzureDataLakeGen2',
      accountName: DEV_ACCOUNT,
      filesystem: 'lake',
      endpoint: deadAccount,
      credentials,
    },
  });

  it('with its own service principal, the principal is used (not the server identity) and its failure named', async () => {
    const path = `${withSp.ws}/datastores/lake`;
    const reply = await call(
      withSp,
      'PUT',
      path,
      adlsBody({
        credentialsType: 'ServicePrincipal',
        tenantId: 'lake-tenant',
        clientId: 'lake-client',
        authorityUrl: deadAuthority,
        secrets: { secretsType: 'ServicePrincipal', clientSecret: DATASTORE_SECRET },
      }),
    );
    assert.equal(reply.status, 400, JSON.stringify(reply.body));
    const message = (reply.body as ErrorBody).error.message;
    assert.match(message, /^Datastore 'lake': listing container 'lake' in account 'devstoreaccount1'/);
    assert.match(message, /failed with (CredentialUnavailableError|AuthenticationError|Timeout)/);
    assert.match(message, /the datastore's service principal lake-client \(tenant lake-tenant\)/);
    assert.equal((await call(withSp, 'GET', path)).status, 404);
  });

  it('bad credentials are 400s naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /'properties\.credentials' is required: give \{credentialsType: ServicePrincipal/],
      [{ credentialsType: 'AccountKey' }, /properties\.credentials\.credentialsType/],
      [
        { credentialsType: 'ServicePrincipal', tenantId: 't', clientId: 'c' },
        /'properties\.credentials\.secrets\.clientSecret' is required/,
      ],
      [
        {
          credentialsType: 'ServicePrincipal',
          tenantId: 't',
          clientId: 'c',
          authorityUrl: 'http://plain',
          secrets: { clientSecret: 'x' },
        },
        /'properties\.credentials\.authorityUrl' must be an https:\/\/ URL/,
      ],
    ];
    for (const [credentials, pattern] of cases) {
      const reply = await call(plain, 'PUT', `${plain.ws}/datastores/badlake`, adlsBody(credentials));
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
      assert.match((reply.body as ErrorBody).error.message, pattern);
    }
  });
});

void describe('secrets stay secret', () => {
  it('no answer, CLI output, audit entry or metadata file holds a client secret', async () => {
    for (const server of [plain, withSp]) {
      const audit = await server.call('GET', '/nightshift/auditLogs');
      seen.push(JSON.stringify(audit.body));
      for (const file of readdirSync(server.dataDir).filter((f) => f.startsWith('metadata.db'))) {
        seen.push(readFileSync(join(server.dataDir, file)).toString('latin1'));
      }
    }
    assert.match(seen.join('\n'), /datastores\/lake/, 'the audit log records the refused call');
    for (const text of seen) {
      for (const secret of [DATASTORE_SECRET, SERVER_SECRET]) {
        assert.ok(!text.includes(secret), `a client secret leaked in: ${text.slice(0, 300)}`);
      }
    }
  });
});

/** A port nothing listens on: bound by this process, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => {
    probe.close(() => {
      resolve();
    });
  });
  return port;
}
