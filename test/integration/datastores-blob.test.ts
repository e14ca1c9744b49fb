/**
 * Azure Blob datastores through the real server and CLI, against an in-memory Azurite: Azure's YAML and
 * ARM body register a container with an account key or a SAS token; the secret is sealed at rest and never
 * comes back in any answer, CLI output or the audit log; a wrong key, a missing container or an endpoint
 * nobody listens on is a 400 naming the datastore and the storage error, and nothing is saved; the
 * datastore's file routes read and write the container; a job's existing output in it is a 409 (jobs over
 * Blob are tested end to end in jobs-blob.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ContainerSASPermissions } from '@azure/storage-blob';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import { jsonOf, runCli, writeFileIn } from '../helpers/cli.ts';
import { datastoreUri, Nightshift, smallFiles, type ErrorBody } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let azurite: Azurite;
let server: TestServer;
let ns: Nightshift;
let scratch: string;
let sasToken: string;
/** Every response body and CLI output of the file, searched for secrets at the end. */
const seen: string[] = [];

const CONTAINER = 'scoring-data';

before(async () => {
  azurite = await startAzurite();
  const container = containerClientOf({
    accountName: DEV_ACCOUNT,
    containerName: CONTAINER,
    endpoint: azurite.accountUrl,
    credential: { accountKey: DEV_KEY },
  });
  await container.create();
  await container.getBlockBlobClient('seed/in.csv').upload('a,b\n1,2\n', 8);
  await container.getBlockBlobClient('models/m/model.onnx').upload('model bytes', 11);
  await container.getBlockBlobClient('models/m/nested/conf.json').upload('{}', 2);
  const sasUrl = await container.generateSasUrl({
    permissions: ContainerSASPermissions.parse('racwdl'),
    expiresOn: new Date(Date.now() + 3_600_000),
  });
  sasToken = new URL(sasUrl).search.slice(1);
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-blob-'));
  server = await startServer();
  ns = await Nightshift.connect(server.url);
});

after(async () => {
  await server.stop();
  await azurite.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const blobBody = (overrides: Record<string, unknown> = {}) => ({
  properties: {
    datastoreType: 'AzureBlob',
    accountName: DEV_ACCOUNT,
    containerName: CONTAINER,
    endpoint: azurite.accountUrl,
    credentials: { credentialsType: 'AccountKey', secrets: { secretsType: 'AccountKey', key: DEV_KEY } },
    ...overrides,
  },
});

async function call<T = unknown>(method: string, path: string, json?: unknown, raw?: string) {
  const reply = await ns.request<T>(method, path, {
    ...(json === undefined ? {} : { json }),
    ...(raw === undefined ? {} : { raw }),
  });
  seen.push(reply.text);
  return reply;
}

async function cli(...args: string[]) {
  const result = await runCli(args, { server: server.url });
  seen.push(result.stdout, result.stderr);
  return result;
}

const store = (name: string) => `${ns.ws}/datastores/${name}`;

void describe('an Azure Blob datastore with an account key (REST)', () => {
  it('is created with Azure ARM body and shown without its secret', async () => {
    const created = await call<{ properties: Record<string, unknown> }>('PUT', store('blobkey'), blobBody());
    assert.equal(created.status, 201, created.text);
    const shown = await call<{ properties: Record<string, unknown> }>('GET', store('blobkey'));
    assert.equal(shown.status, 200, shown.text);
    assert.deepEqual(
      { ...shown.body.properties, tags: undefined, description: undefined },
      {
        datastoreType: 'AzureBlob',
        accountName: DEV_ACCOUNT,
        containerName: CONTAINER,
        endpoint: azurite.accountUrl,
        protocol: 'https',
        credentials: { credentialsType: 'AccountKey' },
        isDefault: false,
        tags: undefined,
        description: undefined,
      },
    );
    const listed = await call('GET', `${ns.ws}/datastores`);
    assert.match(listed.text, /"blobkey"/);
  });

  it("reads and writes the container through the datastore's file routes", async () => {
    const read = await call('GET', `${store('blobkey')}/paths/seed/in.csv`);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.text, 'a,b\n1,2\n');
    const put = await call('PUT', `${store('blobkey')}/paths/up/new.csv`, undefined, 'x\n3\n');
    assert.ok(put.status >= 200 && put.status < 300, put.text);
    const direct = containerClientOf({
      accountName: DEV_ACCOUNT,
      containerName: CONTAINER,
      endpoint: azurite.accountUrl,
      credential: { accountKey: DEV_KEY },
    });
    assert.equal((await direct.getBlobClient('up/new.csv').downloadToBuffer()).toString(), 'x\n3\n');
    const listing = await call('GET', `${store('blobkey')}/paths/up`);
    assert.match(listing.text, /up\/new\.csv/);
    const missing = await call('GET', `${store('blobkey')}/paths/up/nope.csv`);
    assert.equal(missing.status, 404, missing.text);
  });
});

void describe('a model registered from an Azure Blob datastore', () => {
  it('is copied from the container into the artifact store, nested files included', async () => {
    const created = await call('PUT', `${ns.ws}/models/blobmodel/versions/1`, {
      properties: { modelUri: 'azureml://datastores/blobkey/paths/models/m' },
    });
    assert.ok(created.status === 200 || created.status === 201, created.text);
    const copy = await call<{ value: { path: string }[] }>(
      'GET',
      `${store('workspaceartifactstore')}/paths/models/blobmodel/1`,
    );
    assert.deepEqual(
      copy.body.value.map((f) => f.path),
      ['models/blobmodel/1/m/model.onnx', 'models/blobmodel/1/m/nested/conf.json'],
    );
    const bytes = await call(
      'GET',
      `${store('workspaceartifactstore')}/paths/models/blobmodel/1/m/model.onnx`,
    );
    assert.equal(bytes.text, 'model bytes');
  });
});

void describe('jobs over an Azure Blob datastore', () => {
  it('an output that exists in the container is a 409 naming it, and no job is made', async () => {
    const { scoringUri } = await ns.deploy({ script: 'strings.ts' });
    await ns.uploadFiles('inputs/blob-conflict', smallFiles(1));
    const before = await ns.jobCount();
    const reply = await ns.invoke(scoringUri, {
      properties: {
        InputData: { heart_data: { JobInputType: 'UriFolder', Uri: datastoreUri('inputs/blob-conflict') } },
        OutputData: { score: { JobOutputType: 'UriFile', Uri: datastoreUri('seed/in.csv', 'blobkey') } },
      },
    });
    seen.push(reply.text);
    assert.equal(reply.status, 409, reply.text);
    assert.match(reply.text, /OutputAlreadyExists/);
    assert.match(reply.text, /azureml:\/\/datastores\/blobkey\/paths\/seed\/in\.csv' already exists/);
    assert.equal(await ns.jobCount(), before);
  });
});

void describe('checked at creation: nothing is saved when the store cannot be read', () => {
  async function refusedWith(name: string, body: unknown, code: RegExp): Promise<void> {
    const reply = await call<ErrorBody>('PUT', store(name), body);
    assert.equal(reply.status, 400, reply.text);
    const message = reply.body.error.message;
    assert.match(message, new RegExp(`Datastore '${name}'`));
    assert.match(message, /listing container/);
    assert.match(message, code);
    assert.equal((await call('GET', store(name))).status, 404);
  }

  // Azure answers a wrong key with AuthenticationFailed, Azurite with AuthorizationFailure: either way the
  // storage service's own code is what the user reads.
  it('a wrong account key is refused with the storage error code', async () => {
    const wrong = Buffer.alloc(64, 1).toString('base64');
    await refusedWith(
      'wrongkey',
      blobBody({ credentials: { credentialsType: 'AccountKey', secrets: { key: wrong } } }),
      /failed with (AuthenticationFailed|AuthorizationFailure) \(HTTP 403\)/,
    );
  });

  it('a missing container is ContainerNotFound', async () => {
    await refusedWith('nocontainer', blobBody({ containerName: 'not-there' }), /ContainerNotFound/);
  });

  it('an endpoint nobody listens on is refused with the connection error', async () => {
    const closed = await closedPort();
    await refusedWith(
      'unreachable',
      blobBody({ endpoint: `http://127.0.0.1:${String(closed)}/${DEV_ACCOUNT}` }),
      /ECONNREFUSED|REQUEST_SEND_ERROR/,
    );
  });

  it('missing fields are 400s naming the field', async () => {
    const noCreds = await call<ErrorBody>('PUT', store('nocreds'), blobBody({ credentials: undefined }));
    assert.equal(noCreds.status, 400, noCreds.text);
    assert.match(noCreds.body.error.message, /'properties\.credentials' is required/);
    const noAccount = await call<ErrorBody>('PUT', store('noaccount'), blobBody({ accountName: '' }));
    assert.equal(noAccount.status, 400, noAccount.text);
    assert.match(noAccount.body.error.message, /'properties\.accountName' is required/);
  });
});

void describe("Azure's datastore YAML through the CLI, with a SAS token", () => {
  it('creates the datastore, shows it without the token, and serves its files', async () => {
    const yaml = writeFileIn(
      scratch,
      'blob.yml',
      [
        'name: blobsas',
        'type: azure_blob',
        `account_name: ${DEV_ACCOUNT}`,
        `container_name: ${CONTAINER}`,
        `endpoint: ${azurite.accountUrl}`,
        'protocol: http',
        'credentials:',
        `  sas_token: "${sasToken}"`,
        '',
      ].join('\n'),
    );
    const created = await cli('datastore', 'create', '-f', yaml, '-o', 'json');
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(jsonOf(created), {
      name: 'blobsas',
      id: `${ns.ws}/datastores/blobsas`,
      type: 'azure_blob',
      account_name: DEV_ACCOUNT,
      container_name: CONTAINER,
      endpoint: azurite.accountUrl,
      protocol: 'http',
      credentials: { type: 'sas' },
      description: '',
      tags: {},
      is_default: false,
    });
    const shown = await cli('datastore', 'show', '-n', 'blobsas', '-o', 'json');
    assert.equal(shown.code, 0, shown.stderr);
    const read = await call('GET', `${store('blobsas')}/paths/seed/in.csv`);
    assert.equal(read.text, 'a,b\n1,2\n');
  });

  it('a YAML with both or neither credential is refused naming the field', async () => {
    const yaml = writeFileIn(
      scratch,
      'both.yml',
      `name: both\ntype: azure_blob\naccount_name: a\ncontainer_name: c\ncredentials: {}\n`,
    );
    const refused = await cli('datastore', 'create', '-f', yaml);
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /credentials.*exactly one of credentials\.account_key or credentials\.sas_token/s,
    );
  });
});

void describe('secrets stay secret', () => {
  it('no answer, CLI output or audit entry holds the key or the SAS signature; the store holds them sealed', async () => {
    const audit = await server.call('GET', '/nightshift/auditLogs');
    assert.equal(audit.status, 200);
    const auditText = JSON.stringify(audit.body);
    assert.match(auditText, /datastores\/blobkey/, 'the audit log records the datastore calls');
    const signature = new URLSearchParams(sasToken).get('sig') ?? '';
    assert.ok(signature.length > 10);
    const keyPart = DEV_KEY.slice(0, 40);
    for (const text of [...seen, auditText]) {
      assert.ok(!text.includes(keyPart), `the account key leaked in: ${text.slice(0, 300)}`);
      assert.ok(!text.includes(signature), `the SAS signature leaked in: ${text.slice(0, 300)}`);
    }
    // The metadata database (and its WAL) never holds a secret in clear.
    for (const file of readdirSync(server.dataDir).filter((f) => f.startsWith('metadata.db'))) {
      const bytes = readFileSync(join(server.dataDir, file)).toString('latin1');
      assert.ok(!bytes.includes(keyPart), `${file} holds the account key in clear`);
      assert.ok(!bytes.includes(signature), `${file} holds the SAS signature in clear`);
    }
  });
});

/** A port nothing listens on: bound by this process, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) =>
    probe.close(() => {
      resolve();
    }),
  );
  return port;
}
