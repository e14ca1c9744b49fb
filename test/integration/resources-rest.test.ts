/**
 * The workspace resources through the REST API, driven with fetch as an ARM client would: upload files,
 * register a model, create an endpoint and a deployment, make it the default, and every bad request a
 * client can send (ARM error envelope, 404s, 409s, path traversal, unsupported pipeline deployments).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { at } from '../helpers/json.ts';
import { startServer, type ApiResponse, type TestServer } from '../helpers/server.ts';

const MODEL_DIR = join(import.meta.dirname, '../../fixtures/models/breast-cancer-rf');
const API = '?api-version=2023-10-01';

let server: TestServer;
let scratch: string;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-rest-'));
  // Local-folder datastores are a host privilege: the operator allows the scratch folder for them.
  server = await startServer({ env: { NIGHTSHIFT_DATASTORE_ROOTS: scratch } });
  // The deployments below run on Azure's example cluster, which must exist, as in Azure.
  const cluster = await server.call('PUT', `${server.ws}/computes/batch-cluster`, {
    properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: 2 } } },
  });
  assert.equal(cluster.status, 201, JSON.stringify(cluster.body));
});

after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function upload(path: string, content: Buffer | string): Promise<Response> {
  const target = `${server.ws}/datastores/workspaceblobstore/paths/${path}`;
  return fetch(`${server.url}${target}`, {
    method: 'PUT',
    body: content,
    headers: { ...(await server.auth(target)), 'content-type': 'application/octet-stream' },
  });
}

/** Asserts the ARM error envelope and returns its message. */
function armError(response: ApiResponse, status: number, code?: string): string {
  assert.equal(response.status, status, JSON.stringify(response.body));
  const error = at(response.body, 'error');
  assert.equal(typeof at(error, 'code'), 'string');
  assert.equal(typeof at(error, 'message'), 'string');
  assert.ok(Array.isArray(at(error, 'details')));
  if (code) assert.equal(at(error, 'code'), code);
  return String(at(error, 'message'));
}

async function uploadModelFolder(prefix: string): Promise<string> {
  for (const file of readdirSync(MODEL_DIR)) {
    const response = await upload(`${prefix}/${file}`, readFileSync(join(MODEL_DIR, file)));
    assert.equal(response.status, 201);
  }
  return `azureml://datastores/workspaceblobstore/paths/${prefix}`;
}

function deploymentBody(modelId: string, extra: Record<string, unknown> = {}) {
  return {
    properties: {
      description: 'breast cancer classifier',
      model: { referenceType: 'Id', assetId: modelId },
      compute: `${server.ws}/computes/batch-cluster`,
      resources: { instanceCount: 2 },
      maxConcurrencyPerInstance: 2,
      miniBatchSize: 2,
      outputAction: 'AppendRow',
      retrySettings: { maxRetries: 3, timeout: 'PT300S' },
      errorThreshold: -1,
      loggingLevel: 'Info',
      ...extra,
    },
  };
}

void describe('REST: service documents', () => {
  void it('serves /info, /healthz and /openapi.json', async () => {
    const info = await server.call('GET', '/info');
    assert.equal(info.status, 200);
    assert.equal(at(info.body, 'workspaceId'), server.ws);
    assert.equal((await server.call('GET', '/healthz')).status, 200);
    const openapi = await server.call('GET', '/openapi.json');
    assert.equal(openapi.status, 200);
    assert.match(String(at(openapi.body, 'openapi')), /^3\./);
    assert.ok(Object.keys(at(openapi.body, 'paths') as object).some((p) => p.includes('batchEndpoints')));
  });

  void it('accepts api-version on every route and lists in {value, nextLink}', async () => {
    const list = await server.call('GET', `${server.ws}/batchEndpoints${API}`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body, { value: [], nextLink: null });
    const stores = await server.call('GET', `${server.ws}/datastores${API}`);
    assert.deepEqual(at(stores.body, 'sort(value[].name)'), ['workspaceartifactstore', 'workspaceblobstore']);
    assert.equal(at(stores.body, 'nextLink'), null);
  });
});

void describe('REST: model, endpoint and deployment', () => {
  const modelPath = () => `${server.ws}/models/bc-model`;
  const endpointPath = () => `${server.ws}/batchEndpoints/bc-endpoint`;
  let modelId = '';

  void it('registers an uploaded model and reports its next version', async () => {
    assert.equal(
      armError(await server.call('GET', modelPath()), 404, 'ResourceNotFound').includes('bc-model'),
      true,
    );
    const modelUri = await uploadModelFolder('uploads/bc');
    const body = { properties: { modelType: 'mlflow_model', modelUri, description: 'rf' } };
    const created = await server.call('PUT', `${modelPath()}/versions/1${API}`, body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    modelId = String(at(created.body, 'id'));
    assert.equal(modelId, `${modelPath()}/versions/1`);
    assert.equal(at(created.body, 'properties.modelType'), 'mlflow_model');
    assert.match(
      String(at(created.body, 'properties.modelUri')),
      /^azureml:\/\/datastores\/workspaceartifactstore\//,
    );
    assert.equal(at((await server.call('GET', modelPath())).body, 'properties.nextVersion'), '2');
    // Same content again: fine; other content under the same version: immutable.
    assert.equal((await server.call('PUT', `${modelPath()}/versions/1`, body)).status, 200);
    assert.equal((await upload('uploads/other/model.onnx', 'not the same')).status, 201);
    const other = {
      properties: {
        modelType: 'custom_model',
        modelUri: 'azureml://datastores/workspaceblobstore/paths/uploads/other',
      },
    };
    assert.match(
      armError(await server.call('PUT', `${modelPath()}/versions/1`, other), 409, 'Conflict'),
      /immutable/,
    );
  });

  void it('creates an endpoint and a deployment, then makes it the default', async () => {
    const endpoint = await server.call('PUT', `${endpointPath()}${API}`, {
      tags: { team: 'ml' },
      properties: { description: 'bc', authMode: 'AADToken' },
    });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
    assert.equal(at(endpoint.body, 'properties.provisioningState'), 'Succeeded');
    assert.equal(at(endpoint.body, 'properties.scoringUri'), `${server.url}/endpoints/bc-endpoint/jobs`);
    const deployment = await server.call(
      'PUT',
      `${endpointPath()}/deployments/blue${API}`,
      deploymentBody(modelId),
    );
    assert.equal(deployment.status, 201, JSON.stringify(deployment.body));
    assert.equal(at(deployment.body, 'properties.retrySettings.timeout'), 'PT300S');
    assert.equal(at(deployment.body, 'properties.outputAction'), 'AppendRow');
    assert.equal(at(deployment.body, 'properties.outputFileName'), 'predictions.csv');
    assert.equal(at(deployment.body, 'properties.model.assetId'), modelId);
    const patched = await server.call('PATCH', `${endpointPath()}${API}`, {
      properties: { defaults: { deploymentName: 'blue' } },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const shown = await server.call('GET', endpointPath());
    assert.equal(at(shown.body, 'properties.defaults.deploymentName'), 'blue');
    assert.deepEqual(at(shown.body, 'tags'), { team: 'ml' });
    const list = await server.call('GET', `${endpointPath()}/deployments`);
    assert.deepEqual(at(list.body, 'value[].name'), ['blue']);
    assert.equal(at(list.body, 'nextLink'), null);
  });

  void it('refuses to delete the default deployment, and deleting the endpoint deletes its deployments', async () => {
    assert.equal(
      (await server.call('PUT', `${endpointPath()}/deployments/green`, deploymentBody(modelId))).status,
      201,
    );
    const refused = await server.call('DELETE', `${endpointPath()}/deployments/blue`);
    assert.match(armError(refused, 409, 'Conflict'), /default/);
    assert.equal((await server.call('DELETE', `${endpointPath()}/deployments/green`)).status, 204);
    assert.equal((await server.call('DELETE', endpointPath())).status, 204);
    armError(await server.call('GET', `${endpointPath()}/deployments/blue`), 404, 'ResourceNotFound');
    // A new endpoint of the same name starts empty: the old deployments are gone.
    assert.equal((await server.call('PUT', endpointPath(), { properties: {} })).status, 201);
    assert.deepEqual(at((await server.call('GET', `${endpointPath()}/deployments`)).body, 'value'), []);
  });

  void it('refuses bad deployments: unknown model, pipeline type, missing scoring script', async () => {
    const path = `${endpointPath()}/deployments/bad-one`;
    const unknown = await server.call('PUT', path, deploymentBody(`${server.ws}/models/nope/versions/1`));
    assert.match(armError(unknown, 400, 'UserError'), /nope/);
    const pipeline = await server.call('PUT', path, {
      properties: { deploymentConfiguration: { deploymentConfigurationType: 'PipelineComponent' } },
    });
    assert.match(armError(pipeline, 400, 'NotSupported'), /not supported yet/);
    assert.equal((await upload('uploads/code/score.js', 'export function run() {}')).status, 201);
    const code = await server.call('PUT', `${server.ws}/codes/score-code/versions/1`, {
      properties: { codeUri: 'azureml://datastores/workspaceblobstore/paths/uploads/code' },
    });
    assert.equal(code.status, 201, JSON.stringify(code.body));
    const noScript = await server.call(
      'PUT',
      path,
      deploymentBody(modelId, {
        codeConfiguration: { codeId: String(at(code.body, 'id')), scoringScript: 'missing.js' },
      }),
    );
    assert.match(armError(noScript, 400, 'UserError'), /missing\.js/);
    armError(await server.call('GET', path), 404);
  });

  void it('refuses an invalid endpoint name', async () => {
    const response = await server.call('PUT', `${server.ws}/batchEndpoints/1-bad_name`, { properties: {} });
    assert.match(armError(response, 400, 'UserError'), /Invalid endpoint name/);
  });
});

void describe('REST: errors', () => {
  void it('answers 404 for another workspace, unknown resources and unknown routes', async () => {
    const otherWs = server.ws.replace(/workspaces\/[^/]+$/, 'workspaces/someone-else');
    assert.match(armError(await server.call('GET', `${otherWs}/batchEndpoints`), 404), /someone-else/);
    armError(await server.call('GET', `${server.ws}/batchEndpoints/nope`), 404, 'ResourceNotFound');
    armError(await server.call('GET', `${server.ws}/models/nope/versions/1`), 404, 'ResourceNotFound');
    armError(await server.call('GET', `${server.ws}/datastores/nope`), 404, 'ResourceNotFound');
    armError(await server.call('GET', `${server.ws}/environments/nope`), 404, 'ResourceNotFound');
    armError(await server.call('GET', '/no/such/route'), 404, 'NotFound');
  });

  void it('refuses path traversal in uploads, downloads, data paths and datastore roots', async () => {
    const up = await upload('..%2F..%2Fescape.txt', 'x');
    assert.equal(up.status, 400);
    const down = await server.call('GET', `${server.ws}/datastores/workspaceblobstore/paths/..%2F..%2Fetc`);
    armError(down, 400, 'UserError');
    const data = await server.call('PUT', `${server.ws}/data/escape/versions/1`, {
      properties: {
        dataType: 'uri_folder',
        dataUri: 'azureml://datastores/workspaceblobstore/paths/../../etc',
      },
    });
    assert.match(armError(data, 400, 'UserError'), /'\.\.' is not allowed/);
    const store = await server.call('PUT', `${server.ws}/datastores/relative`, {
      properties: { datastoreType: 'LocalFolder', path: '../../etc' },
    });
    assert.match(armError(store, 400, 'UserError'), /absolute/);
  });

  // The router has already decoded the path; decoding it again would fail on '%' or change the name.
  void it('keeps file names with % as given in uploads and downloads', async () => {
    const percent = await upload('names/50%25.csv', 'a');
    assert.equal(percent.status, 201, await percent.text());
    const literal = await upload('names/a%2520b.csv', 'b');
    assert.equal(literal.status, 201);
    assert.equal(at(await literal.json(), 'path'), 'names/a%20b.csv');
    const listing = await server.call('GET', `${server.ws}/datastores/workspaceblobstore/paths/names`);
    assert.deepEqual(at(listing.body, 'value[].path'), ['names/50%.csv', 'names/a%20b.csv']);
  });

  // ENOTDIR from the local folder must not escape as a 500.
  void it('refuses to upload below a file with a client error, not a 500', async () => {
    assert.equal((await upload('nested/file.txt', 'x')).status, 201);
    const below = await upload('nested/file.txt/inner.txt', 'y');
    assert.ok(below.status >= 400 && below.status < 500, `status ${below.status}`);
    const get = await server.call(
      'GET',
      `${server.ws}/datastores/workspaceblobstore/paths/nested/file.txt/inner.txt`,
    );
    armError(get, 404);
  });

  void it('refuses a body that is not JSON', async () => {
    const target = `${server.ws}/batchEndpoints/json-check`;
    const response = await fetch(`${server.url}${target}`, {
      method: 'PUT',
      body: '{not json',
      headers: { ...(await server.auth(target)), 'content-type': 'application/json' },
    });
    assert.equal(response.status, 400);
    assert.equal(typeof at(await response.json(), 'error.message'), 'string');
  });
});

void describe('REST: datastores, data and environments', () => {
  void it('creates a local-folder datastore and a data asset in it', async () => {
    const folder = join(scratch, 'store');
    mkdirSync(join(folder, 'inputs'), { recursive: true });
    writeFileSync(join(folder, 'inputs', 'a.csv'), 'x\n1\n');
    const store = await server.call('PUT', `${server.ws}/datastores/mystore${API}`, {
      properties: { datastoreType: 'LocalFolder', path: folder, description: 'local' },
    });
    assert.equal(store.status, 201, JSON.stringify(store.body));
    assert.equal(
      at((await server.call('GET', `${server.ws}/datastores/mystore`)).body, 'properties.path'),
      folder,
    );
    const data = await server.call('PUT', `${server.ws}/data/inputs/versions/1`, {
      properties: { dataType: 'uri_folder', dataUri: 'azureml://datastores/mystore/paths/inputs' },
    });
    assert.equal(data.status, 201, JSON.stringify(data.body));
    const file = await server.call('PUT', `${server.ws}/data/inputs/versions/2`, {
      properties: { dataType: 'uri_folder', dataUri: 'azureml://datastores/mystore/paths/inputs/a.csv' },
    });
    assert.match(armError(file, 400), /uri_folder/);
    const versions = await server.call('GET', `${server.ws}/data/inputs/versions`);
    assert.deepEqual(at(versions.body, 'value[].name'), ['1']);
  });

  void it('registers an environment version and keeps it immutable', async () => {
    const path = `${server.ws}/environments/py/versions/1`;
    const body = { properties: { image: 'python:3.12', condaFile: 'name: x\n' } };
    assert.equal((await server.call('PUT', path, body)).status, 201);
    assert.equal(at((await server.call('GET', path)).body, 'properties.image'), 'python:3.12');
    const changed = await server.call('PUT', path, { properties: { image: 'python:3.13' } });
    armError(changed, 409, 'Conflict');
  });
});
