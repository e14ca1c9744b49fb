/**
 * Invoking a batch endpoint the ways Azure clients do, against a real server over REST: the docs'
 * PascalCase `InputData` body, the SDK's camelCase body with snake_case enum values, the ARM and the
 * long `azureml://subscriptions/...` forms of a datastore URI, data assets by version and `@latest`, a
 * `UriFile` input, the legacy `dataset`/`outputDataset` body, per-job overrides and the
 * `azureml-model-deployment` header. Also the job resource that comes back (id answered by GET, name,
 * status, output URI, batch tags, systemData) and every way of reading and listing jobs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';
import {
  datastoreUri,
  folderBody,
  Nightshift,
  smallFiles,
  uniqueName,
  type JobView,
  type ListBody,
} from '../helpers/jobs.ts';

const STATUSES = [
  'NotStarted',
  'Preparing',
  'Queued',
  'Running',
  'Finalizing',
  'Completed',
  'Failed',
  'Canceled',
];

describe('invoking a batch endpoint', () => {
  let server: TestServer;
  let ns: Nightshift;
  let endpoint: string;
  let deployment: string;
  let tableDeployment: string;
  let scoringUri: string;
  const input = 'inputs/invoke';
  const files = smallFiles(3);
  const expected = Object.entries(files).map(([name, text]) => `${name}: ${text.length}`);

  /** Lines of the job's output, sorted (row order across mini-batches is not guaranteed). */
  async function sortedOutput(job: JobView): Promise<string[]> {
    return (await ns.outputLines(job)).sort();
  }

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
    ({ endpoint, deployment, scoringUri } = await ns.deploy({
      script: 'strings.ts',
      settings: { miniBatchSize: 2 },
    }));
    tableDeployment = uniqueName('table');
    const model = await ns.registerModel();
    await ns.createDeployment(endpoint, tableDeployment, model, await ns.registerScript('table.ts'), {
      miniBatchSize: 5,
    });
    await ns.uploadFiles(input, files);
  });

  after(async () => {
    await server.stop();
  });

  test('the docs body (PascalCase, UriFolder) returns the job resource and runs it', async () => {
    const reply = await ns.invoke(scoringUri, folderBody(input));
    assert.ok(reply.status === 200 || reply.status === 201, reply.text);
    const job = reply.body;
    assert.match(job.name, /^[a-zA-Z0-9][a-zA-Z0-9\-_]*$/);
    assert.ok(job.id.startsWith('/subscriptions/'), job.id);
    assert.ok(job.id.endsWith(`/${job.name}`), job.id);
    assert.ok(STATUSES.includes(job.properties.status), job.properties.status);
    assert.equal(job.properties.tags['azureml.batchrun'], 'true');
    assert.equal(
      job.properties.outputData.score.uri,
      `azureml://datastores/workspaceblobstore/paths/azureml/${job.name}/score/predictions.csv`,
    );
    assert.equal(job.properties.outputData.score.jobOutputType, 'UriFile');
    assert.ok(!Number.isNaN(Date.parse(job.systemData.createdAt)), 'systemData.createdAt is a date');
    assert.equal(typeof job.systemData.createdBy, 'string');

    const byId = await ns.request<JobView>('GET', job.id);
    assert.equal(byId.status, 200, `GET ${job.id}: ${byId.text}`);
    assert.equal(byId.body.name, job.name);

    const done = await ns.waitForJob(job.name);
    assert.equal(done.properties.status, 'Completed', done.properties.result ?? '');
    assert.equal(done.properties.progress.items.succeeded, 3);
    assert.equal(done.properties.progress.miniBatches.total, 2);
    assert.deepEqual(await sortedOutput(done), expected);
  });

  test('the SDK body: camelCase keys, snake_case enum values, ARM-form input URI', async () => {
    const uri = `${ns.ws}/datastores/workspaceblobstore/paths/${input}`;
    const job = await ns.run(scoringUri, {
      properties: { inputData: { data: { jobInputType: 'uri_folder', uri } } },
    });
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.deepEqual(await sortedOutput(job), expected);
  });

  test('the long azureml://subscriptions/... form of the input URI', async () => {
    const m =
      /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/workspaces\/([^/]+)$/.exec(
        ns.ws,
      );
    assert.ok(m, ns.ws);
    const uri = `azureml://subscriptions/${m[1] ?? ''}/resourcegroups/${m[2] ?? ''}/workspaces/${m[3] ?? ''}/datastores/workspaceblobstore/paths/${input}`;
    const job = await ns.run(scoringUri, {
      properties: { InputData: { x: { JobInputType: 'UriFolder', Uri: uri } } },
    });
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.deepEqual(await sortedOutput(job), expected);
  });

  test('a data asset by version and by @latest', async () => {
    const name = uniqueName('data');
    const v2Files = smallFiles(2, 'g');
    await ns.uploadFiles(`inputs/${name}-v2`, v2Files);
    await ns.ok('PUT', `${ns.ws}/data/${name}/versions/1`, {
      json: { properties: { dataType: 'uri_folder', dataUri: datastoreUri(input) } },
    });
    await ns.ok('PUT', `${ns.ws}/data/${name}/versions/2`, {
      json: { properties: { dataType: 'uri_folder', dataUri: datastoreUri(`inputs/${name}-v2`) } },
    });
    const byVersion = await ns.run(scoringUri, {
      properties: { InputData: { x: { JobInputType: 'UriFolder', Uri: `azureml:${name}:1` } } },
    });
    assert.equal(byVersion.properties.status, 'Completed', byVersion.properties.result ?? '');
    assert.deepEqual(await sortedOutput(byVersion), expected);

    const latest = await ns.run(scoringUri, {
      properties: { InputData: { x: { JobInputType: 'UriFolder', Uri: `azureml:${name}@latest` } } },
    });
    assert.equal(latest.properties.status, 'Completed', latest.properties.result ?? '');
    assert.deepEqual(
      await sortedOutput(latest),
      Object.entries(v2Files).map(([file, text]) => `${file}: ${text.length}`),
    );
  });

  test('a UriFile input scores that one file', async () => {
    const job = await ns.run(scoringUri, {
      properties: { InputData: { x: { JobInputType: 'UriFile', Uri: datastoreUri(`${input}/f001.txt`) } } },
    });
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.equal(job.properties.progress.items.total, 1);
    assert.deepEqual(await ns.outputLines(job), [expected[1]]);
  });

  test('the legacy dataset (DataUrl) / outputDataset body', async () => {
    const folder = `legacy/${uniqueName('out')}`;
    const job = await ns.run(scoringUri, {
      properties: {
        dataset: { dataInputType: 'DataUrl', Path: datastoreUri(input) },
        outputDataset: { datastoreId: `${ns.ws}/datastores/workspaceblobstore`, path: folder },
        outputFileName: 'legacy.csv',
      },
    });
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.equal(job.properties.outputData.score.uri, datastoreUri(`${folder}/legacy.csv`));
    const text = await ns.readFile(datastoreUri(`${folder}/legacy.csv`));
    assert.deepEqual(text?.trimEnd().split('\n').sort(), expected);
  });

  test('per-job overrides: miniBatchSize, instanceCount, errorThreshold, retrySettings, outputFileName', async () => {
    const job = await ns.run(
      scoringUri,
      folderBody(input, {
        miniBatchSize: 1,
        compute: { instanceCount: 2 },
        errorThreshold: 5,
        retrySettings: { maxRetries: 2, timeout: 'PT5S' },
        outputFileName: 'custom.csv',
      }),
    );
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.equal(job.properties.progress.miniBatches.total, 3);
    assert.equal(job.properties.miniBatchSize, 1);
    assert.equal(job.properties.compute.instanceCount, 2);
    assert.equal(job.properties.errorThreshold, 5);
    assert.deepEqual(job.properties.retrySettings, { maxRetries: 2, timeout: 'PT5S' });
    assert.equal(
      job.properties.outputData.score.uri,
      `azureml://datastores/workspaceblobstore/paths/azureml/${job.name}/score/custom.csv`,
    );
    assert.deepEqual(await sortedOutput(job), expected);
    // Two instances mean two nodes' worth of workers.
    const logs = await ns.logs(job.name);
    assert.ok(
      logs.some((path) => path.startsWith('sys/node/node-1/')),
      `no node-1 logs: ${logs.join(', ')}`,
    );
  });

  test('an explicit UriFile output in OutputData', async () => {
    const target = datastoreUri(`explicit/${uniqueName('o')}/scores.csv`);
    const job = await ns.run(
      scoringUri,
      folderBody(input, { OutputData: { score: { JobOutputType: 'UriFile', Uri: target } } }),
    );
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.equal(job.properties.outputData.score.uri, target);
    assert.deepEqual((await ns.readFile(target))?.trimEnd().split('\n').sort(), expected);
  });

  test('the azureml-model-deployment header picks a non-default deployment', async () => {
    const job = await ns.run(scoringUri, folderBody(input), { 'azureml-model-deployment': tableDeployment });
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.equal(job.properties.properties['azureml.deploymentname'], tableDeployment);
    // table.ts rows are space-separated: the file name, its index in the mini-batch, a note.
    assert.deepEqual(await ns.outputLines(job), [
      'f000.txt 0 "say ""hi"" there"',
      'f001.txt 1 ',
      'f002.txt 2 ',
    ]);
  });

  test('jobs are readable via the scoring URI and the workspace, and listed per endpoint and deployment', async () => {
    const mine = await ns.run(scoringUri, folderBody(input));
    const other = await ns.run(scoringUri, folderBody(input), {
      'azureml-model-deployment': tableDeployment,
    });

    const viaScoring = await ns.ok<JobView>('GET', `${scoringUri}/${mine.name}`);
    assert.equal(viaScoring.name, mine.name);
    assert.equal(viaScoring.properties.status, 'Completed');
    const viaWorkspace = await ns.ok<JobView>('GET', `${ns.ws}/jobs/${mine.name}`);
    assert.equal(viaWorkspace.name, mine.name);

    const listed = await ns.ok<ListBody<JobView>>('GET', scoringUri);
    assert.ok('nextLink' in listed, 'a list has nextLink');
    const names = listed.value.map((j) => j.name);
    assert.ok(names.includes(mine.name) && names.includes(other.name), names.join(', '));

    const perEndpoint = await ns.ok<ListBody<JobView>>('GET', `${ns.ws}/batchEndpoints/${endpoint}/jobs`);
    assert.ok(perEndpoint.value.some((j) => j.name === mine.name));

    const perDeployment = await ns.ok<ListBody<JobView>>(
      'GET',
      `${ns.ws}/batchEndpoints/${endpoint}/deployments/${deployment}/jobs`,
    );
    const deploymentNames = perDeployment.value.map((j) => j.name);
    assert.ok(deploymentNames.includes(mine.name), deploymentNames.join(', '));
    assert.ok(!deploymentNames.includes(other.name), 'a job of another deployment is not listed');
    const item = perDeployment.value.find((j) => j.name === mine.name);
    assert.ok(item, 'the job is listed under its deployment');
    assert.ok(item.id.includes(`/deployments/${deployment}/jobs/${mine.name}`), item.id);
    const itemById = await ns.request<JobView>('GET', item.id);
    assert.equal(itemById.status, 200, `GET ${item.id}: ${itemById.text}`);
  });
});
