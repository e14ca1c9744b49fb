/**
 * Embedded computes that grow and shrink, against a real server: a compute's nodes are shared by its
 * jobs (two jobs on a `max_instances: 1` compute take turns on its one node, the second Queued until the
 * first gives it back), a node no job uses is listed idle and removed after `idle_time_before_scale_down`,
 * and `min_instances` nodes stay, warm, for the next job to adopt. Computes are made with the CLI from
 * Azure's YAML; what ran where and when is read back from the jobs' own records and logs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jsonOf, runCli, writeFileIn } from '../helpers/cli.ts';
import { folderBody, Nightshift, smallFiles, uniqueName } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

/** Holds each mini-batch until the test writes the release file, so a node can be seen held. */
const HELD_SCRIPT = {
  file: 'held.mjs',
  source: `import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
export async function run(miniBatch) {
  while (!existsSync(process.env.RELEASE_FILE)) await sleep(50);
  return miniBatch.map((file) => file);
}
`,
};

interface NodeView {
  node_id: string;
  node_state: string;
  run_id: string | null;
  pid: number | null;
}

let server: TestServer;
let ns: Nightshift;
let scratch: string;

before(async () => {
  // Room for warm processes of idle nodes beside the server's own spares, whatever the machine's cores.
  server = await startServer({ env: { NIGHTSHIFT_MAX_WORKERS: '6' } });
  ns = await Nightshift.connect(server.url);
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-compute-scaling-'));
});

after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, { server: server.url });

async function createCompute(name: string, yaml: string): Promise<void> {
  const file = writeFileIn(scratch, `${name}.yml`, `name: ${name}\ntype: amlcompute\n${yaml}`);
  const created = await cli('compute', 'create', '-f', file);
  assert.equal(created.code, 0, created.stderr);
}

async function listNodes(compute: string): Promise<NodeView[]> {
  return jsonOf(await cli('compute', 'list-nodes', '--name', compute)) as NodeView[];
}

async function currentNodes(compute: string): Promise<number> {
  const shown = jsonOf(await cli('compute', 'show', '-n', compute)) as { current_node_count: number };
  return shown.current_node_count;
}

/** An endpoint whose default deployment runs the held script on `compute`, one file per mini-batch. */
async function deployOn(compute: string, instanceCount: number, release: string): Promise<string> {
  const endpoint = uniqueName('ep');
  const scoringUri = await ns.createEndpoint(endpoint);
  const model = await ns.registerModel();
  const [codeId, scoringScript] = await ns.registerScript(HELD_SCRIPT);
  const deployment = uniqueName('dep');
  const put = await server.call('PUT', `${server.ws}/batchEndpoints/${endpoint}/deployments/${deployment}`, {
    properties: {
      model: { referenceType: 'Id', assetId: model },
      codeConfiguration: { codeId, scoringScript },
      compute: `azureml:${compute}`,
      resources: { instanceCount },
      miniBatchSize: 1,
      maxConcurrencyPerInstance: 1,
      retrySettings: { maxRetries: 0, timeout: 'PT60S' },
      environmentVariables: { RELEASE_FILE: release },
    },
  });
  assert.equal(put.status, 201, JSON.stringify(put.body));
  await ns.setDefault(endpoint, deployment);
  return scoringUri;
}

/** The worker column of the job's processed_mini-batches.csv, one per mini-batch. */
async function workersOf(job: string): Promise<string[]> {
  const report = await ns.log(job, 'sys/job_report/processed_mini-batches.csv');
  return report
    .trim()
    .split('\n')
    .slice(1)
    .map((row) => row.split(',')[8] ?? '');
}

/** Each attempt's [start, end] in ms, from the summary lines the worker wrote under logs/sys/node. */
async function attemptSpans(job: string): Promise<[number, number][]> {
  const text = await ns.logsUnder(job, 'sys/node/');
  return [...text.matchAll(/start=(\S+) .*duration_ms=(\d+)/g)].map((m) => {
    const start = Date.parse(m[1] ?? '');
    return [start, start + Number(m[2])];
  });
}

describe('an embedded compute shares its nodes across its jobs', () => {
  test('two jobs on a max_instances 1 compute take turns on its one node', async () => {
    await createCompute('one-node', 'max_instances: 1\nidle_time_before_scale_down: 1\n');
    const release = join(scratch, 'release-one-node');
    const scoringUri = await deployOn('one-node', 1, release);
    await ns.uploadFiles('inputs/one-node', smallFiles(2));
    const first = await ns.start(scoringUri, folderBody('inputs/one-node'));
    await waitFor('the first job to hold the node', () => listNodes('one-node'), {
      until: (nodes) => nodes.some((n) => n.run_id === first.name && n.node_state === 'running'),
      timeoutMs: 60_000,
    });
    const second = await ns.start(scoringUri, folderBody('inputs/one-node'));
    // The second job has no node while the first holds the only one: it waits Queued, with no worker.
    await ns.waitUntil(second.name, (job) => job.properties.status === 'Queued', 60_000);
    const held = await listNodes('one-node');
    assert.deepEqual(new Set(held.map((n) => n.run_id)), new Set([first.name]));
    assert.equal(await currentNodes('one-node'), 1);

    writeFileSync(release, '');
    for (const job of [first, second]) {
      const done = await ns.waitForJob(job.name, 60_000);
      assert.equal(done.properties.status, 'Completed', done.properties.result ?? '');
      assert.deepEqual(await workersOf(job.name), ['node-0/process0', 'node-0/process0']);
    }
    // Every attempt of the second job started after the last of the first ended (the log's start is
    // whole milliseconds and its duration rounded, so 2 ms of rounding are allowed).
    const firstSpans = await attemptSpans(first.name);
    const secondSpans = await attemptSpans(second.name);
    assert.equal(firstSpans.length, 2);
    assert.equal(secondSpans.length, 2);
    const firstEnd = Math.max(...firstSpans.map(([, end]) => end));
    const secondStart = Math.min(...secondSpans.map(([start]) => start));
    assert.ok(firstEnd <= secondStart + 2, `the jobs overlapped: ${firstEnd} > ${secondStart}`);
  });

  test('a node no job uses is idle, then gone after idle_time_before_scale_down', async () => {
    await createCompute('brief', 'max_instances: 2\nidle_time_before_scale_down: 1\n');
    const release = join(scratch, 'release-brief');
    writeFileSync(release, '');
    const scoringUri = await deployOn('brief', 2, release);
    await ns.uploadFiles('inputs/brief', smallFiles(2));
    const job = await ns.run(scoringUri, folderBody('inputs/brief'), {}, 60_000);
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    const gone = await waitFor('the idle nodes to scale down', () => listNodes('brief'), {
      until: (nodes) => nodes.length === 0,
      timeoutMs: 30_000,
    });
    assert.deepEqual(gone, []);
    assert.equal(await currentNodes('brief'), 0);
  });

  test('min_instances 1 keeps one node, warm, which the next job adopts', async () => {
    await createCompute('kept', 'min_instances: 1\nmax_instances: 2\nidle_time_before_scale_down: 1\n');
    const release = join(scratch, 'release-kept');
    writeFileSync(release, '');
    const scoringUri = await deployOn('kept', 2, release);
    await ns.uploadFiles('inputs/kept', smallFiles(2));
    const done = await ns.run(scoringUri, folderBody('inputs/kept'), {}, 60_000);
    assert.equal(done.properties.status, 'Completed', done.properties.result ?? '');
    // Down to one node once the idle time has passed, and one stays: it is idle with a warm process.
    const kept = await waitFor('the compute to shrink to min_instances', () => listNodes('kept'), {
      until: (nodes) => nodes.length === 1 && nodes[0]?.pid !== null,
      timeoutMs: 30_000,
    });
    const [node] = kept;
    assert.ok(node);
    assert.equal(node.node_state, 'idle');
    assert.equal(node.run_id, null);
    assert.equal(await currentNodes('kept'), 1);

    const hold = join(scratch, 'release-kept-2');
    const heldUri = await deployOn('kept', 1, hold);
    await ns.uploadFiles('inputs/kept-2', smallFiles(1));
    const next = await ns.start(heldUri, folderBody('inputs/kept-2'));
    const busy = await waitFor('the next job on the kept node', () => listNodes('kept'), {
      until: (nodes) => nodes.some((n) => n.run_id === next.name && n.node_state === 'running'),
      timeoutMs: 60_000,
    });
    const instance = node.node_id.split('/')[0] ?? '';
    const adopted = busy.find((n) => n.run_id === next.name);
    assert.equal(adopted?.node_id, `${next.name}/${instance}/process0`);
    assert.equal(adopted.pid, node.pid, "the job runs in the kept node's warm process");
    writeFileSync(hold, '');
    const ended = await ns.waitForJob(next.name, 60_000);
    assert.equal(ended.properties.status, 'Completed', ended.properties.result ?? '');
  });
});
