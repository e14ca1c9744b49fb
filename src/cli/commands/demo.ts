/**
 * `nightshift demo` (npm run demo): the whole product in one command. It uses a running server or starts
 * the embedded one, registers the breast-cancer random forest the project builds itself
 * (scripts/build-fixtures.py), creates an endpoint and a no-code ONNX deployment, scores the bundled
 * sample folder with a live progress bar, and prints where the predictions are and their first rows.
 * In a terminal, the service it started keeps running and the demo prints the studio URL of the job
 * (signed in as the local owner), so a new user goes from the README's command to the browser; Ctrl-C
 * stops it. Elsewhere (scripts, CI) the service stops with the demo, and its last lines say what to run
 * next in commands that work once it has ended: they start it again on the same data dir and port.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { App } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { resolveTokenSource } from '../credentials.ts';
import { createApiClient, type ApiClient } from '../client.ts';
import { uploadLocalPath } from '../uploads.ts';
import {
  BROKEN_ASSET,
  DEMO_PIPELINE,
  PREVIOUS_DEPLOYMENT,
  SAMPLE_ASSET,
  seedDataAssets,
  seedPipeline,
  seedPreviousDeployment,
} from './demo-seeds.ts';
import { streamJob } from './job.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ENDPOINT = 'demo-breast-cancer';
const DEPLOYMENT = 'onnx-forest';

async function reachable(server: string): Promise<boolean> {
  try {
    return (await fetch(`${server}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

async function ensureServer(
  server: string,
  dataDir: string | undefined,
): Promise<{ url: string; app?: App; dataDir?: string }> {
  if (await reachable(server)) return { url: server };
  const port = new URL(server).port || '8080';
  // The tour's lines are its output: the server's info lines (job events) would interleave with them.
  const quiet = process.env.NIGHTSHIFT_LOG_LEVEL ? {} : { logLevel: 'warn' };
  const config = loadConfig({ flags: { port, ...quiet, ...(dataDir ? { dataDir } : {}) }, env: process.env });
  const { createApp } = await import('../../app.ts');
  const app = await createApp(config);
  const url = await app.start();
  process.stderr.write(`Started the embedded Nightshift service at ${url} (data dir ${config.dataDir}).\n`);
  return { url, app, dataDir: config.dataDir };
}

async function setUp(client: ApiClient): Promise<void> {
  const ws = await client.workspacePath();
  const model = await uploadLocalPath(client, join(ROOT, 'fixtures/models/breast-cancer-rf'));
  const container = await client
    .request<{ properties: { nextVersion: string } }>('GET', `${ws}/models/breast-cancer-rf`)
    .catch(() => undefined);
  const versions = container
    ? (
        await client.request<{ value: { name: string; properties: { sourceUri: string } }[] }>(
          'GET',
          `${ws}/models/breast-cancer-rf/versions`,
        )
      ).value
    : [];
  const same = versions.find((v) => v.properties.sourceUri === model.uri);
  const version = same?.name ?? container?.properties.nextVersion ?? '1';
  if (!same) {
    await client.request('PUT', `${ws}/models/breast-cancer-rf/versions/${version}`, {
      properties: {
        modelUri: model.uri,
        modelType: 'mlflow_model',
        description: 'Random forest on scikit-learn breast-cancer data, as ONNX.',
      },
    });
  }
  process.stderr.write(`Model breast-cancer-rf:${version} registered.\n`);
  await client.request('PUT', `${ws}/batchEndpoints/${ENDPOINT}`, {
    properties: { description: 'Nightshift demo endpoint' },
  });
  await client.request('PUT', `${ws}/batchEndpoints/${ENDPOINT}/deployments/${DEPLOYMENT}`, {
    properties: {
      model: { referenceType: 'Id', assetId: `azureml:breast-cancer-rf:${version}` },
      miniBatchSize: 1,
      maxConcurrencyPerInstance: 2,
      retrySettings: { maxRetries: 1, timeout: 'PT60S' },
    },
  });
  await seedPreviousDeployment(client, ENDPOINT, `breast-cancer-rf:${version}`);
  await client.request('PATCH', `${ws}/batchEndpoints/${ENDPOINT}`, {
    properties: { defaults: { deploymentName: DEPLOYMENT } },
  });
  process.stderr.write(`Endpoint ${ENDPOINT} with default deployment ${DEPLOYMENT} is ready.\n`);
}

interface DemoOptions {
  server: string;
  dataDir?: string;
  /** Keep the service the demo started, for the studio; by default when the terminal is interactive. */
  keepServing?: boolean;
}

/** Serves until Ctrl-C (SIGINT) or SIGTERM, then stops the service cleanly. */
function serveUntilStopped(app: App): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.stderr.write('Stopping the demo service.\n');
      void app.stop().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

async function run(options: DemoOptions): Promise<void> {
  const { url, app, dataDir } = await ensureServer(options.server, options.dataDir);
  const keep = app !== undefined && (options.keepServing ?? process.stdout.isTTY);
  try {
    const client = createApiClient(
      url,
      resolveTokenSource({ server: url, env: process.env, dataDir: dataDir ?? options.dataDir }),
    );
    await setUp(client);
    const input = await uploadLocalPath(client, join(ROOT, 'fixtures/data/breast-cancer'));
    const ep = await client.request<{ id: string; properties: { scoringUri: string } }>(
      'GET',
      `${await client.workspacePath()}/batchEndpoints/${ENDPOINT}`,
    );
    const job = await client.request<{ name: string }>('POST', new URL(ep.properties.scoringUri).pathname, {
      properties: { InputData: { heart_data: { JobInputType: 'UriFolder', Uri: input.uri } } },
    });
    process.stderr.write(`Invoked: job ${job.name}\n`);
    const done = await streamJob(client, await client.workspacePath(), job.name, 200);
    const output = done.outputs.score?.path ?? '';
    process.stdout.write(
      `\nJob ${done.name}: ${done.status} (${done.result ?? ''})\nPredictions: ${output}\n`,
    );
    const local = await localPath(client, output);
    if (local) {
      const rows = (await readFile(local, 'utf8')).split('\n').slice(0, 5);
      process.stdout.write(
        `On disk: ${local}\nFirst rows (row,prediction,file_name):\n${rows.map((r) => `  ${r}`).join('\n')}\n`,
      );
    }
    if (done.status !== 'Completed') process.exitCode = 1;
    await seedDataAssets(client, input.uri);
    await seedPipeline(client, { id: ep.id, scoringUri: ep.properties.scoringUri }, input.uri);
    process.stderr.write(
      `For the studio: deployment ${PREVIOUS_DEPLOYMENT} to roll back to, data assets ${SAMPLE_ASSET} and ` +
        `${BROKEN_ASSET} (its job fails) to invoke on, and the pipeline ${DEMO_PIPELINE} to run.\n`,
    );
    if (keep) {
      const code = app.services.studio.signIn.code;
      process.stdout.write(
        `\nStudio: ${url}/studio/jobs/${done.name}?code=${code}\n` +
          'The demo service keeps running for the studio and the CLI; Ctrl-C stops it.\n',
      );
      await serveUntilStopped(app);
      return;
    }
    process.stdout.write(
      nextSteps(done.name, app ? { url, dataDir: dataDir ?? '' } : { url }, process.cwd()),
    );
  } finally {
    if (!keep) await app?.stop();
  }
}

const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/**
 * What to run after the demo, as commands that work once it has ended, from `cwd`. When the demo
 * started its own service, that service has stopped: the commands start it again on the same data dir
 * and port, then show the job.
 */
export function nextSteps(job: string, server: { url: string; dataDir?: string }, cwd: string): string {
  const serverFlag = server.url === DEFAULT_SERVER ? '' : ` --server ${server.url}`;
  if (server.dataDir === undefined) {
    return (
      `\nNext: ./bin/nightshift job show -n ${job} -o table${serverFlag}\n` +
      `Studio: ${server.url}/studio/jobs/${job} (sign in with the URL that server's serve printed)\n`
    );
  }
  const local = relative(cwd, server.dataDir);
  const shown = local === '' || local.startsWith('..') || isAbsolute(local) ? server.dataDir : local;
  const dirFlag = resolve(cwd, '.nightshift') === server.dataDir ? '' : ` --data-dir ${shown}`;
  const port = new URL(server.url).port;
  const portFlag = port === '8080' ? '' : ` --port ${port}`;
  return [
    '',
    `Next: the demo's service has stopped; the job and its output stay in ${shown}. To look at them:`,
    `  ./bin/nightshift serve${dirFlag}${portFlag}        # in one terminal; Ctrl-C stops it`,
    `  ./bin/nightshift job show -n ${job} -o table${serverFlag}${dirFlag}        # in another`,
    `serve prints a studio URL ("studio at ..."): open it to see the job in the browser.`,
    '',
  ].join('\n');
}

async function localPath(client: ApiClient, uri: string): Promise<string | undefined> {
  const match = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/.exec(uri);
  if (!match) return undefined;
  const ds = await client.request<{ properties: { path?: string } }>(
    'GET',
    `${await client.workspacePath()}/datastores/${match[1] ?? ''}`,
  );
  return ds.properties.path ? join(ds.properties.path, match[2] ?? '') : undefined;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'Score the bundled breast-cancer sample end to end (starts the embedded service if none runs).',
    )
    .option(
      '--server <url>',
      'server to use or start',
      process.env.NIGHTSHIFT_SERVER ?? 'http://127.0.0.1:8080',
    )
    .option('--data-dir <dir>', 'data dir for the embedded service (default ./.nightshift)')
    .option(
      '--keep-serving',
      'keep the service the demo started running, for the studio (default when the terminal is interactive)',
    )
    .option('--no-keep-serving', 'stop the service the demo started when the job ends')
    .action(run);
}
