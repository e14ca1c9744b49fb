/**
 * Batch jobs whose input and output live in Azure Blob containers (a real Azurite), through the real
 * server: the README's breast-cancer deployment invoked with the CLI and with a plain REST call, from a
 * folder in one container to a folder in another, with the same predictions as from a local folder and
 * the manifest in the container; `job download` and the outputs route serve it; a rerun over the same
 * input downloads nothing (the input cache); an existing output in the container is a 409; a Python
 * script's own files (summary_only) are uploaded to the output folder. Storage faults come from a proxy
 * in front of Azurite: a transient 503 is retried and the job completes; a persistent one fails the
 * mini-batch naming datastore, object and storage code, and the failed job keeps the results it had.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { blobDatastoreYaml, DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import { jsonOf, runCli, writeFileIn, type CliResult } from '../helpers/cli.ts';
import { needs, PYTHON3 } from '../helpers/components.ts';
import { startFaultyProxy, type FaultyProxy } from '../helpers/faulty-proxy.ts';
import { FIXTURES_DIR, Nightshift, type JobView, type Manifest } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let azurite: Azurite;
let proxy: FaultyProxy;
let server: TestServer;
let ns: Nightshift;
let scratch: string;
let inputs: ContainerClient;
let outputs: ContainerClient;
/** The local-folder job's predictions, the reference every Blob job must match. */
let reference = '';
const seen: string[] = [];

const SAMPLE = join(FIXTURES_DIR, 'data', 'breast-cancer');
const BLOB_INPUT = 'azureml://datastores/bcin/paths/samples/breast-cancer';

const containerOf = (name: string) =>
  containerClientOf({
    accountName: DEV_ACCOUNT,
    containerName: name,
    endpoint: azurite.accountUrl,
    credential: { accountKey: DEV_KEY },
  });

async function cli(...args: string[]): Promise<CliResult> {
  const result = await runCli(args, { server: server.url });
  seen.push(result.stdout, result.stderr);
  return result;
}

async function ok(...args: string[]): Promise<CliResult> {
  const result = await cli(...args);
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return result;
}

/** Registers a Blob datastore over `container` from Azure's YAML, through `endpoint` (Azurite or the proxy). */
async function blobDatastore(name: string, container: string, endpoint = azurite.accountUrl) {
  const yaml = blobDatastoreYaml(name, container, endpoint);
  await ok('datastore', 'create', '-f', writeFileIn(scratch, `${name}.yml`, yaml));
}

async function blobText(container: ContainerClient, path: string): Promise<string> {
  return (await container.getBlobClient(path).downloadToBuffer()).toString();
}

async function upload(container: ContainerClient, folder: string): Promise<void> {
  for (const file of readdirSync(SAMPLE)) {
    const body = readFileSync(join(SAMPLE, file));
    await container.getBlockBlobClient(`${folder}/${file}`).upload(body, body.length);
  }
}

/** Invokes the breast-cancer endpoint with the CLI and waits for the job's end; returns its name. */
async function invokeWithCli(input: string, ...more: string[]): Promise<string> {
  const invoked = await ok(
    'batch-endpoint',
    'invoke',
    '-n',
    'breast-cancer',
    '--input',
    input,
    ...more,
    '--query',
    'name',
    '-o',
    'tsv',
  );
  const name = invoked.stdout.trim();
  await cli('job', 'stream', '-n', name);
  return name;
}

const jobOf = (name: string) => ns.ok<JobView>('GET', `${ns.ws}/jobs/${name}`);

before(async () => {
  azurite = await startAzurite();
  proxy = await startFaultyProxy(azurite.accountUrl);
  inputs = containerOf('bc-input');
  outputs = containerOf('bc-output');
  await inputs.create();
  await outputs.create();
  await upload(inputs, 'samples/breast-cancer');
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-jobs-blob-'));
  server = await startServer();
  ns = await Nightshift.connect(server.url);
  await ok('model', 'create', '-f', 'examples/breast-cancer/model.yml');
  await ok('batch-endpoint', 'create', '-f', 'examples/breast-cancer/endpoint.yml');
  await ok('compute', 'create', '-f', 'examples/breast-cancer/compute.yml');
  await ok('batch-deployment', 'create', '-f', 'examples/breast-cancer/deployment.yml', '--set-default');
  await blobDatastore('bcin', 'bc-input');
  await blobDatastore('bcout', 'bc-output');
  const local = await invokeWithCli('fixtures/data/breast-cancer');
  const localJob = await jobOf(local);
  assert.equal(localJob.properties.status, 'Completed', localJob.properties.result ?? '');
  reference = (await ns.readFile(localJob.properties.outputData.score.uri)) ?? '';
  assert.match(reference, /^0,[01],part-0\.csv$/m);
});

after(async () => {
  await server.stop();
  await proxy.stop();
  await azurite.stop();
  rmSync(scratch, { recursive: true, force: true });
});

void describe('the breast-cancer sample from one container to another', () => {
  let cliJob = '';

  it('runs with the CLI: the same predictions as from a local folder, and the manifest, in the container', async () => {
    cliJob = await invokeWithCli(BLOB_INPUT, '--output-path', 'azureml://datastores/bcout/paths/cli-run');
    const job = await jobOf(cliJob);
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.equal(
      job.properties.outputData.score.uri,
      'azureml://datastores/bcout/paths/cli-run/predictions.csv',
    );
    assert.equal(await blobText(outputs, 'cli-run/predictions.csv'), reference);
    const manifest = JSON.parse(await blobText(outputs, 'cli-run/manifest.json')) as Manifest & {
      input: { downloads: { files: number; bytes: number } };
    };
    assert.equal(manifest.job, cliJob);
    assert.equal(manifest.status, 'Completed');
    const sampleBytes = readdirSync(SAMPLE).reduce((n, f) => n + readFileSync(join(SAMPLE, f)).length, 0);
    assert.deepEqual(manifest.input.downloads, { files: 4, bytes: sampleBytes, hits: 0 });
  });

  it('is served by job download and the outputs route', async () => {
    const target = join(scratch, 'download');
    const result = jsonOf(
      await ok('job', 'download', '-n', cliJob, '--output-name', 'score', '--download-path', target),
    ) as { downloaded: string[] };
    const predictions = join(target, 'named-outputs', 'score', 'predictions.csv');
    assert.ok(result.downloaded.includes(predictions), result.downloaded.join('\n'));
    assert.equal(readFileSync(predictions, 'utf8'), reference);
    const listing = await ns.ok<{ value: { path: string }[] }>(
      'GET',
      `${ns.ws}/jobs/${cliJob}/outputs/score`,
    );
    assert.deepEqual(listing.value.map((f) => f.path).sort(), ['manifest.json', 'predictions.csv']);
  });

  it('runs with a plain REST call, and the rerun over the same input downloads nothing', async () => {
    const { scoringUri } = await ns
      .ok<{ properties: { scoringUri: string } }>('GET', `${ns.ws}/batchEndpoints/breast-cancer`)
      .then((e) => e.properties);
    const body = {
      properties: {
        InputData: { heart_data: { JobInputType: 'UriFolder', Uri: BLOB_INPUT } },
        OutputData: {
          score: {
            JobOutputType: 'UriFile',
            Uri: 'azureml://datastores/bcout/paths/rest-run/predictions.csv',
          },
        },
      },
    };
    const job = await ns.run(scoringUri, body);
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.equal(await blobText(outputs, 'rest-run/predictions.csv'), reference);
    const manifest = JSON.parse(await blobText(outputs, 'rest-run/manifest.json')) as {
      input: { downloads: { files: number; bytes: number; hits: number } };
    };
    assert.deepEqual(manifest.input.downloads, { files: 0, bytes: 0, hits: 4 });

    const again = await ns.invoke(scoringUri, body);
    seen.push(again.text);
    assert.equal(again.status, 409, again.text);
    assert.match(again.text, /OutputAlreadyExists/);
    assert.match(
      again.text,
      /azureml:\/\/datastores\/bcout\/paths\/rest-run\/predictions\.csv' already exists/,
    );
  });
});

void describe('storage faults during a job', () => {
  before(async () => {
    await blobDatastore('flakyin', 'bc-input', proxy.accountUrl);
    await upload(inputs, 'samples/flaky');
    await upload(inputs, 'samples/down');
  });

  it('a transient 503 is retried inside the attempt and the job completes', async () => {
    const busy = proxy.fail({
      match: /^GET \/devstoreaccount1\/bc-input\/samples\/flaky\/part-0\.csv$/,
      times: 2,
      fault: { status: 503, code: 'ServerBusy' },
    });
    const name = await invokeWithCli(
      'azureml://datastores/flakyin/paths/samples/flaky',
      '--output-path',
      'azureml://datastores/bcout/paths/flaky-run',
    );
    const job = await jobOf(name);
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.equal(busy.injected(), 2);
    assert.equal(job.properties.progress.miniBatches.failed, 0);
    assert.equal(await blobText(outputs, 'flaky-run/predictions.csv'), reference);
  });

  it('a persistent failure fails the attempt naming datastore, object and code; the failed job keeps its results', async () => {
    proxy.fail({
      match: /^GET \/devstoreaccount1\/bc-input\/samples\/down\/part-3\.csv$/,
      times: Infinity,
      fault: { status: 503, code: 'ServerBusy' },
    });
    // One mini-batch at a time, in order: the first (part-0, part-1) scores, the second cannot be read
    // and its two failed items pass error_threshold 1, so the job fails with the first one's results.
    const name = await invokeWithCli(
      'azureml://datastores/flakyin/paths/samples/down',
      '--output-path',
      'azureml://datastores/bcout/paths/down-run',
      '--set',
      'retry_settings.max_retries=0',
      '--set',
      'max_concurrency_per_instance=1',
      '--set',
      'error_threshold=1',
    );
    const job = await ns.waitForJob(name, 240_000);
    seen.push(JSON.stringify(job));
    assert.equal(job.properties.status, 'Failed');
    const error = job.properties.error;
    assert.equal(error?.code, 'DispatchFailed');
    assert.equal(
      error.message,
      "Reading 'samples/down/part-3.csv' from datastore 'flakyin' failed with ServerBusy (HTTP 503) after 4 tries.",
    );
    assert.deepEqual(
      {
        succeeded: job.properties.progress.miniBatches.succeeded,
        failed: job.properties.progress.miniBatches.failed,
      },
      { succeeded: 1, failed: 1 },
    );
    const kept = await blobText(outputs, 'down-run/predictions.csv');
    const expected = reference.split('\n').filter((line) => /part-[01]\.csv$/.test(line));
    assert.deepEqual(kept.trimEnd().split('\n'), expected, "the first mini-batch's predictions are kept");
    const manifest = JSON.parse(await blobText(outputs, 'down-run/manifest.json')) as Manifest;
    assert.equal(manifest.job, name);
    assert.equal(manifest.status, 'Failed');
  });
});

void describe('a Python scoring script from Blob to Blob', async () => {
  const python = await needs(PYTHON3);

  it(
    "scores the container folder; its own files reach the output container, but not a link to the server's files",
    python,
    async () => {
      const script = [
        'import os',
        'def init():',
        '    pass',
        'def run(mini_batch):',
        "    out = os.environ['AZUREML_BI_OUTPUT_PATH']",
        '    # An attack: a link to a file of the server, hoping the upload follows it.',
        "    link = os.path.join(out, 'stolen.txt')",
        '    if not os.path.lexists(link):',
        "        os.symlink(os.environ['STOLEN'], link)",
        '    for path in mini_batch:',
        "        with open(os.path.join(out, 'seen-' + os.path.basename(path)), 'w') as f:",
        '            f.write(str(len(open(path).read().splitlines())))',
        '    return [os.path.basename(p) for p in mini_batch]',
        '',
      ].join('\n');
      const { scoringUri } = await ns.deploy({
        script: { file: 'count_lines.py', source: script },
        settings: {
          miniBatchSize: 2,
          outputAction: 'SummaryOnly',
          environmentVariables: { STOLEN: join(server.dataDir, 'secret-box.key') },
        },
      });
      const job = await ns.run(
        scoringUri,
        {
          properties: {
            InputData: { data: { JobInputType: 'UriFolder', Uri: BLOB_INPUT } },
            outputDataset: { datastoreId: 'bcout', path: 'py-run' },
          },
        },
        {},
        60_000,
      );
      assert.equal(
        job.properties.status,
        'Completed',
        job.properties.result ?? JSON.stringify(job.properties.error),
      );
      for (const file of readdirSync(SAMPLE)) {
        const lines = readFileSync(join(SAMPLE, file), 'utf8').trimEnd().split('\n').length;
        assert.equal(await blobText(outputs, `py-run/seen-${file}`), String(lines));
      }
      const manifest = JSON.parse(await blobText(outputs, 'py-run/manifest.json')) as {
        output: { filesUploaded: number };
      };
      assert.equal(manifest.output.filesUploaded, 4);
      assert.equal(
        await outputs.getBlobClient('py-run/stolen.txt').exists(),
        false,
        'a link is never uploaded',
      );
    },
  );
});

void describe('no secret in anything the tests saw', () => {
  it('never shows the account key', () => {
    for (const text of seen) assert.doesNotMatch(text, new RegExp(DEV_KEY.slice(0, 20)));
  });
});
