/**
 * Linked services as an attacker meets them, through REST and the CLI against Azurite: the account key
 * and the SAS signature are sealed at rest and shown only as Data Factory's mask by every GET, list and
 * CLI output; a Reader sees the masked linked service and can neither create, change nor delete one;
 * a linked service aimed at a metadata address (IMDS) or at this server is refused with a 400 naming the
 * field; an HttpServer linked service with Basic authentication (not served) is a 400 NotSupported naming
 * the field, its password never echoed, while an Anonymous one is saved; and after pipelines ran
 * (one succeeding, one failing on a refused key) no run record, activity run, audit entry or database
 * file holds a secret.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ContainerSASPermissions } from '@azure/storage-blob';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import { jsonOf, runCli, writeFileIn } from '../helpers/cli.ts';
import { factoryPath } from '../helpers/factory.ts';
import { auditLog } from '../helpers/security-http.ts';
import {
  callAs,
  principalWithRole,
  startAttackServer,
  type AttackServer,
  type RolePrincipal,
} from '../helpers/security-principals.ts';
import { waitFor } from '../helpers/wait.ts';

let azurite: Azurite;
let server: AttackServer;
let reader: RolePrincipal;
let F: string;
let scratch: string;
let signature: string;
let sasUri: string;
/** Every answer and CLI output of the file, searched for secrets at the end. */
const seen: string[] = [];
const KEY_PART = DEV_KEY.slice(0, 40);

async function owner(method: string, path: string, body?: unknown) {
  const reply = await callAs(server, undefined, method, path, body);
  seen.push(reply.text);
  return reply;
}

async function cli(...args: string[]) {
  const result = await runCli(args, { server: server.url });
  seen.push(result.stdout, result.stderr);
  return result;
}

const connectionString = () =>
  `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${azurite.accountUrl};`;

before(async () => {
  azurite = await startAzurite();
  const container = containerClientOf({
    accountName: DEV_ACCOUNT,
    containerName: 'landing',
    endpoint: azurite.accountUrl,
    credential: { accountKey: DEV_KEY },
  });
  await container.create();
  await container.getBlockBlobClient('in/a.txt').upload('hello', 5);
  const sasUrl = await container.generateSasUrl({
    permissions: ContainerSASPermissions.parse('racwdl'),
    expiresOn: new Date(Date.now() + 3_600_000),
  });
  const query = new URL(sasUrl).search;
  signature = new URLSearchParams(query).get('sig') ?? '';
  sasUri = `${azurite.accountUrl}${query}`;
  server = await startAttackServer();
  F = factoryPath(server.ws);
  reader = await principalWithRole(server, 'Reader');
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-factory-'));
});

after(async () => {
  await server.stop();
  await azurite.stop();
  rmSync(scratch, { recursive: true, force: true });
});

void describe('linked services from the CLI', () => {
  it('creates, shows and lists them with every secret masked', async () => {
    const keyFile = writeFileIn(
      scratch,
      'lake.json',
      JSON.stringify({
        name: 'Lake',
        properties: { type: 'AzureBlobStorage', typeProperties: { connectionString: connectionString() } },
      }),
    );
    const created = jsonOf(await cli('pipeline', 'linked-service', 'create', '-f', keyFile)) as {
      properties: { typeProperties: Record<string, unknown> };
    };
    assert.deepEqual(created.properties.typeProperties['connectionString'], {
      type: 'SecureString',
      value: '**********',
    });
    const sasFile = writeFileIn(
      scratch,
      'sas.json',
      JSON.stringify({
        properties: {
          type: 'AzureBlobStorage',
          typeProperties: { sasUri: { type: 'SecureString', value: sasUri } },
        },
      }),
    );
    assert.equal((await cli('pipeline', 'linked-service', 'create', '-f', sasFile, '-n', 'LakeSas')).code, 0);
    const table = await cli('pipeline', 'linked-service', 'list', '-o', 'table');
    assert.match(table.stdout, /Lake\s+AzureBlobStorage/);
    assert.match(table.stdout, /LakeSas\s+AzureBlobStorage/);
    const shown = await cli('pipeline', 'linked-service', 'show', '-n', 'LakeSas');
    assert.match(shown.stdout, /\*{10}/);
    const datasetFile = writeFileIn(
      scratch,
      'ds.json',
      JSON.stringify({
        name: 'Landing',
        properties: {
          type: 'Binary',
          linkedServiceName: { referenceName: 'LakeSas', type: 'LinkedServiceReference' },
          typeProperties: {
            location: { type: 'AzureBlobStorageLocation', container: 'landing', folderPath: 'in' },
          },
        },
      }),
    );
    assert.equal((await cli('pipeline', 'dataset', 'create', '-f', datasetFile)).code, 0);
    const datasets = await cli('pipeline', 'dataset', 'list', '-o', 'table');
    assert.match(datasets.stdout, /Landing\s+Binary\s+LakeSas\s+AzureBlobStorageLocation/);
  });

  it('refuses to delete a linked service a dataset uses', async () => {
    const refused = await cli('pipeline', 'linked-service', 'delete', '-n', 'LakeSas', '--yes');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /referenced by dataset\(s\) 'Landing'/);
  });
});

void describe('an attacker', () => {
  it('with the Reader role sees masked linked services and cannot create, change or delete one', async () => {
    const got = await callAs(server, reader, 'GET', `${F}/linkedservices/Lake`);
    seen.push(got.text);
    assert.equal(got.status, 200, got.text);
    const body = {
      properties: { type: 'AzureBlobStorage', typeProperties: { connectionString: connectionString() } },
    };
    for (const [method, path] of [
      ['PUT', `${F}/linkedservices/Evil`],
      ['PUT', `${F}/linkedservices/Lake`],
      ['DELETE', `${F}/linkedservices/Lake`],
      ['PUT', `${F}/datasets/Evil`],
    ] as const) {
      const reply = await callAs(server, reader, method, path, method === 'PUT' ? body : undefined);
      seen.push(reply.text);
      assert.equal(reply.status, 403, `${method} ${path}: ${reply.text}`);
    }
    assert.equal((await owner('GET', `${F}/linkedservices/Evil`)).status, 404);
  });

  it('cannot aim a linked service at IMDS, a metadata name or this server', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { serviceEndpoint: 'http://169.254.169.254/metadata/identity' },
        'properties.typeProperties.serviceEndpoint',
      ],
      [{ sasUri: 'http://metadata.google.internal/?sig=x' }, 'properties.typeProperties.sasUri'],
      [{ sasUri: `${server.url}/nightshift/auditLogs?sig=x` }, 'properties.typeProperties.sasUri'],
      [
        {
          connectionString: `AccountName=a;AccountKey=${DEV_KEY};BlobEndpoint=http://[::ffff:169.254.169.254]/`,
        },
        'properties.typeProperties.connectionString',
      ],
    ];
    for (const [typeProperties, field] of cases) {
      const reply = await owner('PUT', `${F}/linkedservices/Ssrf`, {
        properties: { type: 'AzureBlobStorage', typeProperties },
      });
      assert.equal(reply.status, 400, reply.text);
      const error = (reply.json as { error: { message: string; details: { target: string }[] } }).error;
      assert.equal(error.details[0]?.target, field, reply.text);
    }
    assert.equal((await owner('GET', `${F}/linkedservices/Ssrf`)).status, 404);
  });

  it('gets a 400 NotSupported naming HttpServer Basic authentication, which is not served', async () => {
    const reply = await owner('PUT', `${F}/linkedservices/Web`, {
      properties: {
        type: 'HttpServer',
        typeProperties: {
          url: 'https://files.example.com/',
          authenticationType: 'Basic',
          userName: 'u',
          password: { type: 'SecureString', value: 'shh-http-secret' },
        },
      },
    });
    assert.equal(reply.status, 400, reply.text);
    assert.match(reply.text, /NotSupported.*HttpServer.*authenticationType/);
    assert.doesNotMatch(reply.text, /shh-http-secret/);
    const anonymous = await owner('PUT', `${F}/linkedservices/Web`, {
      properties: {
        type: 'HttpServer',
        typeProperties: { url: 'https://files.example.com/', authenticationType: 'Anonymous' },
      },
    });
    assert.equal(anonymous.status, 200, anonymous.text);
  });
});

void describe('secrets after runs', () => {
  it('are in no run record, activity run, audit entry or database file', async () => {
    await owner('PUT', `${F}/datasets/Out`, {
      properties: {
        type: 'Binary',
        linkedServiceName: { referenceName: 'Lake', type: 'LinkedServiceReference' },
        typeProperties: {
          location: { type: 'AzureBlobStorageLocation', container: 'landing', folderPath: 'out' },
        },
      },
    });
    const copy = (source: string) => ({
      name: 'Copy',
      type: 'Copy',
      inputs: [{ referenceName: source, type: 'DatasetReference' }],
      outputs: [{ referenceName: 'Out', type: 'DatasetReference' }],
      typeProperties: { source: { type: 'BinarySource' }, sink: { type: 'BinarySink' } },
    });
    await owner('PUT', `${F}/pipelines/move`, { properties: { activities: [copy('Landing')] } });
    const run = await cli('pipeline', 'run', 'move', '--wait');
    assert.equal(run.code, 0, run.stderr);
    const runs = await owner('POST', `${F}/queryPipelineRuns`, {});
    const ids = (runs.json as { value: { runId: string }[] }).value.map((r) => r.runId);
    for (const id of ids) {
      await owner('GET', `${F}/pipelineruns/${id}`);
      await owner('POST', `${F}/pipelineruns/${id}/queryActivityruns`, {});
    }
    assert.ok(
      seen.some((text) => text.includes('"filesWritten":1')),
      'the copy ran and its output was read',
    );
    const audit = JSON.stringify(await auditLog(server.url, await server.owner('/nightshift/auditLogs')));
    await waitFor('the audit log to record the linked service calls', () => audit.includes('linkedservices'));
    assert.ok(signature.length > 10);
    for (const text of [...seen, audit]) {
      assert.ok(!text.includes(KEY_PART), `the account key leaked in: ${text.slice(0, 300)}`);
      assert.ok(!text.includes(signature), `the SAS signature leaked in: ${text.slice(0, 300)}`);
    }
    for (const file of readdirSync(server.dataDir).filter((f) => f.startsWith('metadata.db'))) {
      const bytes = readFileSync(join(server.dataDir, file)).toString('latin1');
      assert.ok(!bytes.includes(KEY_PART), `${file} holds the account key in clear`);
      assert.ok(!bytes.includes(signature), `${file} holds the SAS signature in clear`);
    }
  });
});
