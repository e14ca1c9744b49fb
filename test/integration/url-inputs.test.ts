/**
 * URL inputs through the real server: a public CSV on a local HTTPS server (certificate made by openssl at
 * test time, trusted through NIGHTSHIFT_URL_CA_FILE, its host allowed with NIGHTSHIFT_ALLOW_URL_HOSTS) is
 * a UriFile input and a uri_file data asset, kept as its URL so a restarted server plans the job again;
 * storage URLs (here Azurite's) resolve to the registered datastore before access control, so an invoker
 * without a storage role on it is refused as for its azureml:// URI. And the attacks: the metadata address,
 * our own server's token endpoints in every spelling of 127.0.0.1, a redirect from the allowed host to a
 * forbidden one, a token in the URL. Each is a 400 naming the input, and no job is created.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { readText } from '../../src/storage/read-text.ts';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import { jsonOf, runCli } from '../helpers/cli.ts';
import { needs, OPENSSL } from '../helpers/components.ts';
import { startHttpsServer, type HttpsTestServer } from '../helpers/https-server.ts';
import { Nightshift, type ErrorBody, type JobView } from '../helpers/jobs.ts';
import {
  callAs,
  grantRole,
  principalWithRole,
  startAttackServer,
  type AttackServer,
} from '../helpers/security-principals.ts';

const CSV = 'mean_radius,mean_texture\n17.99,10.38\n20.57,17.77\n';
const CONTAINER = 'url-inputs';

const openssl = await needs(OPENSSL);

describe('URL inputs', openssl, () => {
  let files: HttpsTestServer;
  let azurite: Azurite;
  let server: AttackServer;
  let ns: Nightshift;
  let scoringUri: string;
  let publicUrl: string;

  before(async () => {
    files = await startHttpsServer((req, res) => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      if (path === '/public/breast.csv') {
        res.writeHead(200, { 'content-length': CSV.length, etag: '"csv-1"' });
        res.end(req.method === 'HEAD' ? undefined : CSV);
      } else if (path === '/to-our-token.csv') {
        res.writeHead(302, {
          location: `http://127.0.0.1:${server.port}/metadata/identity/oauth2/token?resource=https://management.azure.com`,
        });
        res.end();
      } else res.writeHead(404).end();
    });
    azurite = await startAzurite();
    const container = containerClientOf({
      accountName: DEV_ACCOUNT,
      containerName: CONTAINER,
      endpoint: azurite.accountUrl,
      credential: { accountKey: DEV_KEY },
    });
    await container.create();
    await container.getBlockBlobClient('batch/a.csv').upload(CSV, CSV.length);
    server = await startAttackServer('127.0.0.1', {
      NIGHTSHIFT_ALLOW_URL_HOSTS: `localhost:${files.port}`,
      NIGHTSHIFT_URL_CA_FILE: files.caFile,
      // Plain http allowed, so the attacks below are refused for their address, not their scheme.
      NIGHTSHIFT_ALLOW_HTTP_URLS: 'true',
    });
    ns = await Nightshift.connect(server.url);
    ({ scoringUri } = await ns.deploy({ script: 'strings.ts' }));
    scoringUri = new URL(scoringUri, server.url).pathname;
    await ns.ok('PUT', `${ns.ws}/datastores/blobin`, {
      json: {
        properties: {
          datastoreType: 'AzureBlob',
          accountName: DEV_ACCOUNT,
          containerName: CONTAINER,
          endpoint: azurite.accountUrl,
          credentials: { credentialsType: 'AccountKey', secrets: { key: DEV_KEY } },
        },
      },
    });
    publicUrl = `${files.url}/public/breast.csv`;
  });

  after(async () => {
    await server.stop();
    await azurite.stop();
    await files.stop();
  });

  const fileInput = (uri: string, type = 'UriFile') => ({
    properties: { InputData: { breast: { JobInputType: type, Uri: uri } } },
  });

  /** An invoke refused with 400 naming the input; no job is created. */
  async function refused(uri: string, message: RegExp, type = 'UriFile'): Promise<string> {
    const before = await ns.jobCount();
    const reply = await callAs(server, undefined, 'POST', scoringUri, fileInput(uri, type));
    assert.equal(reply.status, 400, reply.text);
    const error = reply.json as ErrorBody;
    assert.match(error.error.message, message);
    assert.ok(error.error.message.includes('InputData.breast.'), error.error.message);
    assert.equal(await ns.jobCount(), before, 'no job was created');
    return error.error.message;
  }

  it('a public HTTPS CSV is a UriFile input: the job keeps the URL, and its plan reads the file from it', async () => {
    const job = await ns.start(scoringUri, fileInput(publicUrl));
    const record = await server.app.services.jobs.get(job.name);
    assert.equal(record.input.uri, publicUrl);
    assert.equal(record.input.type, 'UriFile');
    assert.deepEqual(job.properties.inputData, { breast: { JobInputType: 'UriFile', Uri: publicUrl } });
    // What planJob does with the record after a restart: resolve the URL again and read the file.
    const source = await server.app.services.datastores.resolveSource(record.input.uri, 'input');
    assert.equal(source.datastore, undefined);
    assert.equal(source.path, 'breast.csv');
    assert.deepEqual(await source.backend.stat(source.path), {
      kind: 'file',
      size: CSV.length,
      etag: '"csv-1"',
    });
    assert.equal(await readText(source.backend, source.path), CSV);
    assert.ok(files.requests.includes('HEAD /public/breast.csv'));
  });

  it('a URL is one file: UriFolder, a missing file and an unknown host are 400s naming the input', async () => {
    await refused(publicUrl, /is a file; use JobInputType UriFile/, 'UriFolder');
    await refused(`${files.url}/public/missing.csv`, /does not exist/);
    await refused('https://no-such-host.invalid/data.csv', /does not resolve/);
  });

  it('data create --path https://... registers a uri_file asset kept as its URL, and a job reads it', async () => {
    const created = await runCli(
      [
        'data',
        'create',
        '--name',
        'breast-public',
        '--version',
        '1',
        '--type',
        'uri_file',
        '--path',
        publicUrl,
      ],
      { server: server.url },
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal((jsonOf(created) as { path: string }).path, publicUrl);
    const folder = await runCli(
      [
        'data',
        'create',
        '--name',
        'breast-folder',
        '--version',
        '1',
        '--type',
        'uri_folder',
        '--path',
        publicUrl,
      ],
      { server: server.url },
    );
    assert.notEqual(folder.code, 0);
    assert.match(folder.stderr, /a URL names one file, so register it as uri_file/);
    const job = await ns.start(scoringUri, fileInput('azureml:breast-public:1'));
    const record = await server.app.services.jobs.get(job.name);
    assert.equal(record.input.uri, publicUrl);
    assert.equal(record.input.asset, 'azureml:breast-public:1');
  });

  it('refuses the metadata address and our own token endpoints in every spelling of 127.0.0.1', async () => {
    const token = `/metadata/identity/oauth2/token?resource=https://management.azure.com`;
    await refused(
      `http://169.254.169.254/metadata/identity/oauth2/token.json`,
      /169\.254\.169\.254.*not a public address/,
    );
    for (const host of [
      '127.0.0.1',
      '2130706433',
      '0x7f000001',
      '0x7f.1',
      '127.1',
      '[::ffff:127.0.0.1]',
      'localhost',
    ]) {
      const message = await refused(`http://${host}:${server.port}${token}`, /not a public address/);
      assert.match(message, /127\.0\.0\.1|::ffff:7f00:1/, host);
    }
    // The allowed host on another port (our own server) is still refused.
    await refused(`https://localhost:${server.port}/oauth2/v2.0/token.json`, /not a public address/);
  });

  it('refuses a redirect from the allowed host to our own token endpoint, and a token in the URL', async () => {
    await refused(`${files.url}/to-our-token.csv`, /127\.0\.0\.1.*not a public address/);
    const message = await refused(`${publicUrl}?sv=2024&sig=TOPSECRET`, /'sig' carries a credential/);
    assert.ok(!message.includes('TOPSECRET'));
    await refused(`https://user:pw@localhost:${files.port}/public/breast.csv`, /user name or password/);
  });

  it('an Azurite-style storage URL resolves to the registered datastore: its access check and its job see the datastore', async () => {
    const url = `${azurite.accountUrl}/${CONTAINER}/batch/a.csv`;
    const reply = await callAs(server, undefined, 'POST', scoringUri, fileInput(url));
    if (reply.status === 200) {
      const record = await server.app.services.jobs.get((reply.json as JobView).name);
      assert.equal(record.input.uri, 'azureml://datastores/blobin/paths/batch/a.csv');
    } else {
      // Until jobs read remote datastores, the refusal names the datastore the URL resolved to.
      assert.equal(reply.status, 400, reply.text);
      assert.match(reply.text, /datastore 'blobin'/);
    }
    // An invoker without a storage role on that datastore is refused, as for its azureml:// URI.
    const invoker = await principalWithRole(server, 'Batch Endpoint Invoker', server.ws);
    await grantRole(
      server,
      invoker.appId,
      'Storage Blob Data Contributor',
      `${server.ws}/datastores/workspaceblobstore`,
    );
    const denied = await callAs(server, invoker, 'POST', scoringUri, fileInput(url));
    assert.equal(denied.status, 403, denied.text);
    assert.match(denied.text, /datastore 'blobin'.*Storage Blob Data Reader/);
    // The public file needs no storage role: it is no datastore's.
    const allowed = await callAs(server, invoker, 'POST', scoringUri, fileInput(publicUrl));
    assert.equal(allowed.status, 200, allowed.text);
    // A storage URL of no registered container is a 400 naming the input and the fix.
    await refused(`${azurite.accountUrl}/other-container/x.csv`, /no registered datastore/);
    await refused(
      'https://acct.blob.core.windows.net/data/x.csv',
      /no registered datastore.*account_name acct/,
    );
  });

  it('data create over a storage URL stores the datastore URI', async () => {
    const reply = await ns.ok<{ properties: { dataUri: string } }>('PUT', `${ns.ws}/data/blob-a/versions/1`, {
      json: {
        properties: { dataType: 'uri_file', dataUri: `${azurite.accountUrl}/${CONTAINER}/batch/a.csv` },
      },
    });
    assert.equal(reply.properties.dataUri, 'azureml://datastores/blobin/paths/batch/a.csv');
  });
});
