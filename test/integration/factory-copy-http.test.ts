/**
 * Data Factory's HttpServer source through the real server: a local HTTPS server (certificate made by
 * openssl at test time, trusted through NIGHTSHIFT_URL_CA_FILE, its host allowed with
 * NIGHTSHIFT_ALLOW_URL_HOSTS) serves a CSV that Copy moves into an Azurite container byte for byte and
 * converts to Parquet row for row, and that Get Metadata describes. And the attacks: a linked service aimed
 * at the metadata address (refused when saved), one aimed at 127.0.0.1, which the URL policy does not
 * allow (refused when run, naming the host and the flag), a dataset whose relativeUrl leads to another
 * server, and Basic authentication, which is not served (400 NotSupported, the password never echoed).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { parquetReadObjects } from 'hyparquet';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import { needs, OPENSSL } from '../helpers/components.ts';
import { factoryPath, waitForRun } from '../helpers/factory.ts';
import { startHttpsServer, type HttpsTestServer } from '../helpers/https-server.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const CSV = 'id,name\n1,alpha\n2,"be,ta"\n3,gamma\n';
const MODIFIED = 'Wed, 02 Dec 2026 10:00:00 GMT';

interface ActivityRun {
  status: string;
  output: Record<string, unknown>;
  error: { errorCode: string; message: string } | null;
}

const openssl = await needs(OPENSSL);

describe('Copy and Get Metadata from an HttpServer linked service', openssl, () => {
  let files: HttpsTestServer;
  let azurite: Azurite;
  let server: TestServer;
  let landing: ContainerClient;
  let F: string;
  let runs = 0;

  async function put(path: string, body: unknown): Promise<{ status: number; text: string }> {
    const reply = await server.call('PUT', `${F}/${path}`, body);
    return { status: reply.status, text: JSON.stringify(reply.body) };
  }

  async function putOk(path: string, body: unknown): Promise<void> {
    const reply = await put(path, body);
    assert.equal(reply.status, 200, reply.text);
  }

  /** Stores a one-activity pipeline, runs it and returns its activity run. */
  async function runActivity(activity: Record<string, unknown>): Promise<ActivityRun> {
    runs += 1;
    const name = `p${String(runs)}`;
    await putOk(`pipelines/${name}`, { properties: { activities: [activity] } });
    const created = await server.call('POST', `${F}/pipelines/${name}/createRun`, {});
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const { runId } = created.body as { runId: string };
    await waitForRun(server, runId);
    const page = await server.call('POST', `${F}/pipelineruns/${runId}/queryActivityruns`, {});
    const [run] = (page.body as { value: ActivityRun[] }).value;
    assert.ok(run);
    return run;
  }

  const httpService = (url: string) => ({
    properties: { type: 'HttpServer', typeProperties: { url, authenticationType: 'Anonymous' } },
  });

  const httpDataset = (service: string, type: string, relativeUrl: string, extra = {}) => ({
    properties: {
      type,
      linkedServiceName: { referenceName: service, type: 'LinkedServiceReference' },
      typeProperties: { location: { type: 'HttpServerLocation', relativeUrl }, ...extra },
    },
  });

  const blobDataset = (type: string, fileName: string, extra = {}) => ({
    properties: {
      type,
      linkedServiceName: { referenceName: 'Lake', type: 'LinkedServiceReference' },
      typeProperties: {
        location: { type: 'AzureBlobStorageLocation', container: 'landing', folderPath: 'http', fileName },
        ...extra,
      },
    },
  });

  const copy = (input: string, output: string, source: string, sink: string) => ({
    name: 'Copy it',
    type: 'Copy',
    inputs: [{ referenceName: input, type: 'DatasetReference' }],
    outputs: [{ referenceName: output, type: 'DatasetReference' }],
    typeProperties: {
      source: { type: source, storeSettings: { type: 'HttpReadSettings', requestMethod: 'GET' } },
      sink: { type: sink, storeSettings: { type: 'AzureBlobStorageWriteSettings' } },
    },
  });

  const csvSettings = { columnDelimiter: ',', quoteChar: '"', escapeChar: '"', firstRowAsHeader: true };

  before(async () => {
    files = await startHttpsServer((req, res) => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      if (path === '/exports/people.csv') {
        res.writeHead(200, { 'content-length': CSV.length, 'last-modified': MODIFIED, etag: '"p1"' });
        res.end(req.method === 'HEAD' ? undefined : CSV);
      } else res.writeHead(404).end();
    });
    azurite = await startAzurite();
    landing = containerClientOf({
      accountName: DEV_ACCOUNT,
      containerName: 'landing',
      endpoint: azurite.accountUrl,
      credential: { accountKey: DEV_KEY },
    });
    await landing.create();
    server = await startServer({
      env: {
        NIGHTSHIFT_ALLOW_URL_HOSTS: `localhost:${String(files.port)}`,
        NIGHTSHIFT_URL_CA_FILE: files.caFile,
      },
    });
    F = factoryPath(server.ws);
    await putOk('linkedservices/Lake', {
      properties: {
        type: 'AzureBlobStorage',
        typeProperties: {
          connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${azurite.accountUrl};`,
        },
      },
    });
    await putOk('linkedservices/Files', httpService(`${files.url}/exports/`));
    await putOk('datasets/PeopleBin', httpDataset('Files', 'Binary', 'people.csv'));
    await putOk('datasets/PeopleCsv', httpDataset('Files', 'DelimitedText', 'people.csv', csvSettings));
    await putOk('datasets/MissingBin', httpDataset('Files', 'Binary', 'gone.csv'));
    await putOk('datasets/OutBin', blobDataset('Binary', 'people.csv'));
    await putOk(
      'datasets/OutParquet',
      blobDataset('Parquet', 'people.parquet', { compressionCodec: 'snappy' }),
    );
  });

  after(async () => {
    await server.stop();
    await azurite.stop();
    await files.stop();
  });

  it('copies the file into an Azurite container, byte for byte', async () => {
    const run = await runActivity(copy('PeopleBin', 'OutBin', 'BinarySource', 'BinarySink'));
    assert.equal(run.status, 'Succeeded', JSON.stringify(run.error));
    const bytes = await landing.getBlobClient('http/people.csv').downloadToBuffer();
    assert.equal(bytes.toString('utf8'), CSV);
    assert.equal(run.output['filesRead'], 1);
    assert.equal(run.output['dataRead'], CSV.length);
    assert.ok(files.requests.includes('GET /exports/people.csv'), files.requests.join(', '));
  });

  it('converts the CSV to Parquet, row for row', async () => {
    const run = await runActivity(copy('PeopleCsv', 'OutParquet', 'DelimitedTextSource', 'ParquetSink'));
    assert.equal(run.status, 'Succeeded', JSON.stringify(run.error));
    const bytes = await landing.getBlobClient('http/people.parquet').downloadToBuffer();
    const rows = await parquetReadObjects({ file: new Uint8Array(bytes).buffer });
    assert.deepEqual(rows, [
      { id: '1', name: 'alpha' },
      { id: '2', name: 'be,ta' },
      { id: '3', name: 'gamma' },
    ]);
    assert.equal(run.output['rowsCopied'], 3);
  });

  it('answers Get Metadata: exists, itemName, size and the Last-Modified header', async () => {
    const look = (dataset: string, fieldList: string[]) => ({
      name: 'Look',
      type: 'GetMetadata',
      typeProperties: { dataset: { referenceName: dataset, type: 'DatasetReference' }, fieldList },
    });
    const run = await runActivity(look('PeopleBin', ['exists', 'itemName', 'size', 'lastModified']));
    assert.equal(run.status, 'Succeeded', JSON.stringify(run.error));
    assert.deepEqual(run.output, {
      exists: true,
      itemName: 'people.csv',
      size: CSV.length,
      lastModified: new Date(MODIFIED).toISOString(),
    });
    const missing = await runActivity(look('MissingBin', ['exists']));
    assert.equal(missing.status, 'Succeeded', JSON.stringify(missing.error));
    assert.deepEqual(missing.output, { exists: false });
  });

  it('refuses a linked service aimed at the metadata address when it is saved, naming the field', async () => {
    const reply = await put('linkedservices/Imds', httpService('http://169.254.169.254/latest/'));
    assert.equal(reply.status, 400, reply.text);
    assert.match(reply.text, /typeProperties\.url/);
  });

  it('refuses at run a host the URL policy does not allow (127.0.0.1), naming it and the flag', async () => {
    await putOk('linkedservices/Loopback', httpService(`https://127.0.0.1:${String(files.port)}/exports/`));
    await putOk('datasets/LoopbackBin', httpDataset('Loopback', 'Binary', 'people.csv'));
    const before = files.requests.length;
    const run = await runActivity(copy('LoopbackBin', 'OutBin', 'BinarySource', 'BinarySink'));
    assert.equal(run.status, 'Failed');
    assert.match(run.error?.message ?? '', /127\.0\.0\.1/);
    assert.match(run.error?.message ?? '', /allow-url-hosts/);
    assert.equal(files.requests.length, before, 'no request reached the file server');
  });

  it('refuses a relativeUrl that leads off the linked service’s server', async () => {
    await putOk('datasets/Elsewhere', httpDataset('Files', 'Binary', 'https://169.254.169.254/latest/x.csv'));
    const run = await runActivity(copy('Elsewhere', 'OutBin', 'BinarySource', 'BinarySink'));
    assert.equal(run.status, 'Failed');
    assert.match(run.error?.message ?? '', /relativeUrl/);
  });

  it('refuses Basic authentication with a 400 NotSupported that does not echo the password', async () => {
    const reply = await put('linkedservices/Basic', {
      properties: {
        type: 'HttpServer',
        typeProperties: {
          url: `${files.url}/exports/`,
          authenticationType: 'Basic',
          userName: 'u',
          password: { type: 'SecureString', value: 'shh-basic-secret' },
        },
      },
    });
    assert.equal(reply.status, 400, reply.text);
    assert.match(reply.text, /NotSupported.*authenticationType/);
    assert.doesNotMatch(reply.text, /shh-basic-secret/);
  });
});
