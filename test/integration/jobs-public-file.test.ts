/**
 * A batch job over a public HTTPS file, end to end through the real server and CLI: one CSV of the
 * breast-cancer sample is served by a local HTTPS server whose certificate openssl makes at test time
 * (trusted through NIGHTSHIFT_URL_CA_FILE, its host allowed with NIGHTSHIFT_ALLOW_URL_HOSTS, the
 * environment forms of --url-ca-file and --allow-url-hosts). Invoked with the CLI as a uri_file input,
 * the job completes with the same predictions as the same file uploaded to the local datastore, and its
 * record, view and manifest keep the URL. A rerun is served from the input cache; once the file changes
 * (a new ETag) the next job reads the new content. A server that does not trust the certificate refuses
 * the URL with a 400 naming the input, and creates no job.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { needs, OPENSSL } from '../helpers/components.ts';
import { startHttpsServer, type HttpsTestServer } from '../helpers/https-server.ts';
import { FIXTURES_DIR, Nightshift, type JobView, type Manifest } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const LOCAL_FILE = join('fixtures', 'data', 'breast-cancer', 'part-0.csv');
const SAMPLE = readFileSync(join(FIXTURES_DIR, 'data', 'breast-cancer', 'part-0.csv'));

type ManifestWithDownloads = Manifest & {
  input: { downloads: { files: number; bytes: number; hits: number } };
};

const openssl = await needs(OPENSSL);

describe('a job over a public HTTPS CSV file', openssl, () => {
  let files: HttpsTestServer;
  let server: TestServer;
  let ns: Nightshift;
  let publicUrl = '';
  /** What the HTTPS server serves at /public/part-0.csv, and its ETag; a test changes both. */
  let served = { body: SAMPLE, etag: '"part-0-v1"' };
  /** The predictions of the same file from the local datastore. */
  let reference = '';
  const stops: (() => Promise<void>)[] = [];

  async function cli(target: TestServer, ...args: string[]): Promise<CliResult> {
    return runCli(args, { server: target.url });
  }

  async function ok(...args: string[]): Promise<CliResult> {
    const result = await cli(server, ...args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result;
  }

  /** Invokes the endpoint with the CLI over a file, waits for the end and returns the completed job. */
  async function invoke(input: string): Promise<JobView> {
    const invoked = await ok(
      'batch-endpoint',
      'invoke',
      '-n',
      'breast-cancer',
      '--input',
      input,
      '--input-type',
      'uri_file',
      '--query',
      'name',
      '-o',
      'tsv',
    );
    const job = await ns.waitForJob(invoked.stdout.trim(), 60_000);
    assert.equal(
      job.properties.status,
      'Completed',
      job.properties.result ?? JSON.stringify(job.properties.error),
    );
    return job;
  }

  const manifestOf = async (job: JobView) => (await ns.manifest(job)) as ManifestWithDownloads;

  before(async () => {
    files = await startHttpsServer((req, res) => {
      if (new URL(req.url ?? '/', 'https://x').pathname !== '/public/part-0.csv') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {
        'content-length': served.body.length,
        etag: served.etag,
        'content-type': 'text/csv',
      });
      res.end(req.method === 'HEAD' ? undefined : served.body);
    });
    stops.push(() => files.stop());
    publicUrl = `${files.url}/public/part-0.csv`;
    server = await startServer({
      env: { NIGHTSHIFT_ALLOW_URL_HOSTS: `localhost:${files.port}`, NIGHTSHIFT_URL_CA_FILE: files.caFile },
    });
    stops.push(() => server.stop());
    ns = await Nightshift.connect(server.url);
    await ok('model', 'create', '-f', 'examples/breast-cancer/model.yml');
    await ok('batch-endpoint', 'create', '-f', 'examples/breast-cancer/endpoint.yml');
    await ok('compute', 'create', '-f', 'examples/breast-cancer/compute.yml');
    await ok('batch-deployment', 'create', '-f', 'examples/breast-cancer/deployment.yml', '--set-default');
    // The CLI uploads a local file to the workspace's local datastore and invokes over it.
    const local = await invoke(LOCAL_FILE);
    assert.match(JSON.stringify(local.properties.inputData), /azureml:\/\/datastores\/workspaceblobstore\//);
    reference = (await ns.readFile(local.properties.outputData.score.uri)) ?? '';
    assert.match(reference, /^0,[01],part-0\.csv$/m);
  });

  after(async () => {
    // In reverse order of starting, and only what started: a failed before() still cleans up.
    for (const stop of stops.reverse()) await stop();
  });

  let first: JobView;

  it('completes with the same predictions as the file from the local datastore; the job keeps the URL', async () => {
    first = await invoke(publicUrl);
    assert.equal(await ns.readFile(first.properties.outputData.score.uri), reference);
    const record = await server.app.services.jobs.get(first.name);
    assert.equal(record.input.uri, publicUrl);
    assert.equal(record.input.type, 'UriFile');
    assert.ok(
      JSON.stringify(first.properties.inputData).includes(`"${publicUrl}"`),
      JSON.stringify(first.properties.inputData),
    );
    const manifest = await manifestOf(first);
    assert.equal(manifest.input.uri, publicUrl);
    assert.deepEqual(manifest.input.downloads, { files: 1, bytes: SAMPLE.length, hits: 0 });
    assert.ok(
      files.requests.some((r) => r.startsWith('GET /public/part-0.csv')),
      files.requests.join('\n'),
    );
  });

  it('a rerun is served from the cache; a changed file (new ETag) is read again', async () => {
    const again = await invoke(publicUrl);
    assert.equal(await ns.readFile(again.properties.outputData.score.uri), reference);
    assert.deepEqual((await manifestOf(again)).input.downloads, { files: 0, bytes: 0, hits: 1 });

    // The same rows but the first two, under a new ETag: the job must score the new content.
    const lines = SAMPLE.toString().trimEnd().split('\n');
    served = { body: Buffer.from(`${[lines[0], ...lines.slice(3)].join('\n')}\n`), etag: '"part-0-v2"' };
    const changed = await invoke(publicUrl);
    assert.deepEqual((await manifestOf(changed)).input.downloads, {
      files: 1,
      bytes: served.body.length,
      hits: 0,
    });
    // A prediction line is `row,label,file`; rows count from 0 in each file, so compare the labels.
    const labels = (text: string) =>
      text
        .trimEnd()
        .split('\n')
        .map((line) => line.split(',')[1]);
    const scored = labels((await ns.readFile(changed.properties.outputData.score.uri)) ?? '');
    assert.deepEqual(scored, labels(reference).slice(2));
  });

  it('a server that does not trust the certificate refuses the URL naming the input, and creates no job', async () => {
    const untrusting = await startServer({ env: { NIGHTSHIFT_ALLOW_URL_HOSTS: `localhost:${files.port}` } });
    try {
      await cli(untrusting, 'model', 'create', '-f', 'examples/breast-cancer/model.yml');
      await cli(untrusting, 'batch-endpoint', 'create', '-f', 'examples/breast-cancer/endpoint.yml');
      await cli(untrusting, 'compute', 'create', '-f', 'examples/breast-cancer/compute.yml');
      const deployed = await cli(
        untrusting,
        'batch-deployment',
        'create',
        '-f',
        'examples/breast-cancer/deployment.yml',
        '--set-default',
      );
      assert.equal(deployed.code, 0, deployed.stderr);
      const refused = await cli(
        untrusting,
        'batch-endpoint',
        'invoke',
        '-n',
        'breast-cancer',
        '--input',
        publicUrl,
        '--input-type',
        'uri_file',
      );
      assert.notEqual(refused.code, 0);
      assert.match(
        refused.stderr,
        /InputData\.\w+\.Uri: Reading 'https:\/\/localhost:\d+\/public\/part-0\.csv' failed/,
      );
      assert.match(refused.stderr, /certificate was refused .*--url-ca-file/);
      const jobs = await untrusting.call('GET', `${untrusting.ws}/jobs`);
      assert.deepEqual((jobs.body as { value: unknown[] }).value, []);
    } finally {
      await untrusting.stop();
    }
  });
});
