/**
 * Computes as Azure's AmlCompute, against a real server: the ARM resource (PUT with Azure's defaults,
 * GET, list, DELETE), 400s naming the field for bad sizes and counts, deployments that must name a
 * compute that exists and keep it from being deleted (409), the CLI's `compute` commands with Azure's
 * YAML, and a compute's nodes: the live worker processes of its jobs, at most `max_instances` instances
 * per job, and the idle node a job leaves (compute-scaling.test.ts has the rest of scaling).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jsonOf, runCli, writeFileIn } from '../helpers/cli.ts';
import { folderBody, Nightshift, smallFiles, uniqueName, type ErrorBody } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

/** Holds each mini-batch until the test writes the release file, so nodes can be seen busy. */
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

let server: TestServer;
let ns: Nightshift;
let scratch: string;

before(async () => {
  server = await startServer();
  ns = await Nightshift.connect(server.url);
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-computes-'));
});

after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const computePath = (name: string) => `${server.ws}/computes/${name}`;

function amlCompute(scale: Record<string, unknown> = {}, vmSize?: string) {
  return {
    properties: {
      computeType: 'AmlCompute',
      properties: { ...(vmSize === undefined ? {} : { vmSize }), scaleSettings: scale },
    },
  };
}

/** A deployment of a held script on `compute`; returns its scoring URI. */
async function deployOn(compute: string | undefined, settings: { instanceCount: number; release: string }) {
  const endpoint = uniqueName('ep');
  const scoringUri = await ns.createEndpoint(endpoint);
  const model = await ns.registerModel();
  const [codeId, scoringScript] = await ns.registerScript(HELD_SCRIPT);
  const deployment = uniqueName('dep');
  const put = await server.call('PUT', `${server.ws}/batchEndpoints/${endpoint}/deployments/${deployment}`, {
    properties: {
      model: { referenceType: 'Id', assetId: model },
      codeConfiguration: { codeId, scoringScript },
      ...(compute === undefined ? {} : { compute }),
      resources: { instanceCount: settings.instanceCount },
      miniBatchSize: 1,
      maxConcurrencyPerInstance: 1,
      retrySettings: { maxRetries: 0, timeout: 'PT60S' },
      environmentVariables: { RELEASE_FILE: settings.release },
    },
  });
  return { endpoint, deployment, scoringUri, put };
}

describe('computes over REST', () => {
  test("PUT fills Azure's defaults, GET and list show the AmlCompute", async () => {
    const put = await server.call('PUT', computePath('cpu-small'), {
      properties: { computeType: 'AmlCompute' },
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    const shown = await server.call('GET', computePath('CPU-SMALL'));
    assert.equal(shown.status, 200);
    const body = shown.body as { id: string; type: string; properties: Record<string, unknown> };
    assert.equal(body.id, computePath('cpu-small'));
    assert.equal(body.type, 'Microsoft.MachineLearningServices/workspaces/computes');
    assert.equal(body.properties.computeType, 'AmlCompute');
    assert.deepEqual((body.properties.properties as Record<string, unknown>).scaleSettings, {
      minNodeCount: 0,
      maxNodeCount: 1,
      nodeIdleTimeBeforeScaleDown: 'PT120S',
    });
    const listed = (await server.call('GET', `${server.ws}/computes`)).body as { value: { name: string }[] };
    assert.ok(listed.value.some((c) => c.name === 'cpu-small'));
  });

  test('bad sizes, negative counts and min above max are 400s naming the field and the fix', async () => {
    const cases: [unknown, string, RegExp][] = [
      [amlCompute({}, 'huge'), 'properties.properties.vmSize', /Azure VM size such as STANDARD_DS3_V2/],
      [amlCompute({ minNodeCount: -1 }), 'properties.properties.scaleSettings.minNodeCount', /at least 0/],
      [amlCompute({ maxNodeCount: 0 }), 'properties.properties.scaleSettings.maxNodeCount', /at least 1/],
      [
        amlCompute({ minNodeCount: 3, maxNodeCount: 2 }),
        'properties.properties.scaleSettings.minNodeCount',
        /raise max_instances/,
      ],
      [
        amlCompute({ nodeIdleTimeBeforeScaleDown: 'soon' }),
        'properties.properties.scaleSettings.nodeIdleTimeBeforeScaleDown',
        /ISO 8601 duration such as PT120S/,
      ],
      [{ properties: { computeType: 'Kubernetes' } }, 'properties.computeType', /must be AmlCompute/],
    ];
    for (const [body, field, message] of cases) {
      const reply = await server.call('PUT', computePath('bad-one'), body);
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
      const { error } = reply.body as ErrorBody;
      assert.equal(error.details[0]?.target, field);
      assert.match(error.message, message);
    }
    const local = await server.call('PUT', computePath('local'), amlCompute());
    assert.equal(local.status, 400);
    assert.match((local.body as ErrorBody).error.message, /server's own worker pool/);
    assert.equal((await server.call('GET', computePath('bad-one'))).status, 404);
  });

  test('a deployment must name a compute that exists, which then cannot be deleted', async () => {
    const release = join(scratch, 'never');
    const unknown = await deployOn('azureml:nowhere', { instanceCount: 1, release });
    assert.equal(unknown.put.status, 400);
    const { error } = unknown.put.body as ErrorBody;
    assert.equal(error.details[0]?.target, 'properties.compute');
    assert.match(error.message, /compute 'nowhere', which does not exist/);

    assert.equal((await server.call('PUT', computePath('in-use'), amlCompute())).status, 201);
    const bound = await deployOn(`${server.ws}/computes/in-use`, { instanceCount: 1, release });
    assert.equal(bound.put.status, 201, JSON.stringify(bound.put.body));
    const refused = await server.call('DELETE', computePath('in-use'));
    assert.equal(refused.status, 409);
    assert.match((refused.body as ErrorBody).error.message, new RegExp(bound.deployment));
    const path = `${server.ws}/batchEndpoints/${bound.endpoint}`;
    assert.equal((await server.call('DELETE', path)).status, 204);
    assert.equal((await server.call('DELETE', computePath('in-use'))).status, 204);
    assert.equal((await server.call('GET', computePath('in-use'))).status, 404);
  });
});

describe('a compute running a job', () => {
  test("lists the job's live workers as its nodes, at most max_instances instances per job", async () => {
    assert.equal(
      (await server.call('PUT', computePath('capped'), amlCompute({ maxNodeCount: 1 }))).status,
      201,
    );
    const release = join(scratch, 'release-capped');
    const { endpoint, deployment, scoringUri, put } = await deployOn('azureml:capped', {
      instanceCount: 2,
      release,
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    await ns.setDefault(endpoint, deployment);
    await ns.uploadFiles('inputs/capped', smallFiles(2));
    const job = await ns.start(scoringUri, folderBody('inputs/capped'));
    type Nodes = {
      nodes: { nodeId: string; nodeState: string; pid: number; currentMiniBatches: string[] }[];
    };
    const nodes = await waitFor(
      'a busy node on the compute',
      async () => (await server.call('POST', `${computePath('capped')}/listNodes`)).body as Nodes,
      { until: (n) => n.nodes.some((node) => node.nodeState === 'running'), timeoutMs: 60_000 },
    );
    const busy = nodes.nodes.find((node) => node.nodeState === 'running');
    assert.ok(busy);
    assert.deepEqual(busy.currentMiniBatches, [`${job.name}-mb-00000`]);
    assert.ok(Number.isInteger(busy.pid) && busy.pid > 0);
    // One instance (node-0) however many the deployment asks for: the compute's max_instances is 1.
    assert.deepEqual(
      nodes.nodes.map((node) => node.nodeId),
      [`${job.name}/node-0/process0`],
    );
    writeFileSync(release, '');
    const done = await ns.waitForJob(job.name, 60_000);
    assert.equal(done.properties.status, 'Completed', done.properties.result ?? '');
    const report = await ns.log(job.name, 'sys/job_report/processed_mini-batches.csv');
    const workers = report
      .trim()
      .split('\n')
      .slice(1)
      .map((row) => row.split(',')[8]);
    assert.deepEqual(workers, ['node-0/process0', 'node-0/process0']);
    // The job gave its node back: the compute keeps it idle (no run) until its idle time has passed.
    const idle = (await server.call('POST', `${computePath('capped')}/listNodes`)).body as {
      nodes: { nodeId: string; nodeState: string; runId: string | null }[];
    };
    assert.ok(idle.nodes.length > 0);
    for (const node of idle.nodes) {
      assert.equal(node.nodeState, 'idle');
      assert.equal(node.runId, null);
      assert.match(node.nodeId, /^node-0(\/process\d+)?$/);
    }
  });
});

describe('the compute commands', () => {
  const cli = (...args: string[]) => runCli(args, { server: server.url });

  test("create -f takes Azure's amlcompute YAML with its defaults; show, list, list-nodes, delete", async () => {
    const file = writeFileIn(
      scratch,
      'compute.yml',
      '$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json\n' +
        'name: batch-cli\ntype: amlcompute\nsize: STANDARD_DS3_v2\nmax_instances: 4\n',
    );
    const created = jsonOf(await cli('compute', 'create', '-f', file)) as Record<string, unknown>;
    assert.equal(created.name, 'batch-cli');
    assert.equal(created.type, 'amlcompute');
    assert.equal(created.size, 'STANDARD_DS3_V2');
    assert.equal(created.min_instances, 0);
    assert.equal(created.max_instances, 4);
    assert.equal(created.idle_time_before_scale_down, 120);
    const shown = jsonOf(await cli('compute', 'show', '-n', 'batch-cli')) as Record<string, unknown>;
    assert.deepEqual(shown, created);
    const table = await cli('compute', 'list', '-o', 'table');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /\nbatch-cli\s+amlcompute\s+STANDARD_DS3_V2\s+0\s+4\s+0\s+Succeeded\n/);
    assert.deepEqual(jsonOf(await cli('compute', 'list-nodes', '--name', 'batch-cli')), []);
    const deleted = await cli('compute', 'delete', '-n', 'batch-cli', '--yes');
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await cli('compute', 'show', '-n', 'batch-cli');
    assert.notEqual(gone.code, 0);
  });

  test('refuses min_instances above max_instances at its line, before anything is sent', async () => {
    const file = writeFileIn(
      scratch,
      'bad-compute.yml',
      'name: bad-cli\ntype: amlcompute\nmin_instances: 3\n',
    );
    const refused = await cli('compute', 'create', '-f', file);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /min_instances/);
    assert.match(refused.stderr, /raise max_instances/);
    assert.equal((await server.call('GET', computePath('bad-cli'))).status, 404);
  });
});
