/**
 * The workspace resources through the `nightshift` CLI, as an `az ml` user drives them: azureml-examples
 * YAML files for models, endpoints and deployments (`--set-default`, updates, deletes), data, datastores
 * and the output formats scripts rely on (json, table, `--query X -o tsv`). Data, datastores and
 * environments are in resources-cli-data.test.ts, bad input in resources-cli-errors.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jsonOf, runCli, writeFileIn, type CliResult } from '../helpers/cli.ts';
import { at } from '../helpers/json.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { REPO_ROOT } from '../helpers/repo.ts';

const EXAMPLES = join(REPO_ROOT, 'test/fixtures/azureml-examples/cli');
const BATCH = join(EXAMPLES, 'endpoints/batch');
const HEART = join(BATCH, 'deploy-models/heart-classifier-mlflow');
const MNIST = join(BATCH, 'deploy-models/mnist-classifier');

let server: TestServer;
let scratch: string;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-cli-'));
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

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, { server: server.url });
}

async function cliJson(...args: string[]): Promise<unknown> {
  return jsonOf(await cli(...args));
}

const scratchFile = (name: string, text: string): string => writeFileIn(scratch, name, text);

/**
 * The azureml-examples environments list packages this machine lacks (torch, xgboost...), and a Python
 * deployment is refused until its packages can be imported; these tests are about loading the YAML, so
 * they swap in a conda file that lists nothing to import (only python and pip, which are not checked), and
 * so need no optional Python library (environments-check.test.ts covers the check and the refusal).
 */
function nothingToImport(): string[] {
  return [
    '--set',
    `environment.conda_file=${scratchFile('conda-nothing.yml', 'dependencies: [python=3.11, pip]\n')}`,
  ];
}

function failed(result: CliResult, pattern: RegExp, code = 1): void {
  assert.equal(result.code, code, `expected exit ${code}; stdout: ${result.stdout} stderr: ${result.stderr}`);
  assert.match(result.stderr, pattern);
  assert.equal(result.stdout, '');
}

void describe('CLI: models, endpoints and deployments from azureml-examples YAML', () => {
  void it('registers models from flags and from a YAML file', async () => {
    const [flags, yaml] = await Promise.all([
      cliJson(
        'model',
        'create',
        '--name',
        'heart-classifier-mlflow',
        '--path',
        'fixtures/models/breast-cancer-rf',
        '--type',
        'mlflow_model',
      ),
      cliJson('model', 'create', '-f', join(EXAMPLES, 'assets/model/local-mlflow.yml')),
    ]);
    assert.equal(at(flags, 'name'), 'heart-classifier-mlflow');
    assert.equal(at(flags, 'version'), '1');
    assert.equal(at(flags, 'type'), 'mlflow_model');
    assert.match(String(at(flags, 'path')), /^azureml:\/\/datastores\/workspaceartifactstore\/paths\//);
    assert.equal(typeof at(flags, 'content_hash'), 'string');
    assert.equal(at(flags, 'creation_context.created_by_type'), 'User');
    assert.equal(at(yaml, 'name'), 'local-mlflow-example');
    assert.equal(at(yaml, 'description'), 'Model created from local MLflow model directory.');
    const [shown, table] = await Promise.all([
      cliJson('model', 'show', '-n', 'heart-classifier-mlflow', '--version', '1'),
      cli('model', 'list', '-o', 'table'),
    ]);
    assert.equal(at(shown, 'id'), `${server.ws}/models/heart-classifier-mlflow/versions/1`);
    assert.match(table.stdout, /^Name\s+Version\s+Type\s+Description\n-+/);
    assert.match(table.stdout, /\nheart-classifier-mlflow\s+1\s+mlflow_model\n/);
  });

  void it('creates an endpoint and a deployment with --set-default', async () => {
    const endpoint = await cliJson('batch-endpoint', 'create', '-f', join(HEART, 'endpoint.yml'));
    assert.equal(at(endpoint, 'name'), 'heart-classifier-batch');
    assert.equal(at(endpoint, 'auth_mode'), 'aad_token');
    assert.equal(at(endpoint, 'provisioning_state'), 'Succeeded');
    assert.equal(at(endpoint, 'scoring_uri'), `${server.url}/endpoints/heart-classifier-batch/jobs`);
    assert.equal(at(endpoint, 'openapi_uri'), `${server.url}/openapi.json`);
    const deployment = await cliJson(
      'batch-deployment',
      'create',
      '-f',
      join(HEART, 'deployment-simple/deployment.yml'),
      '--set-default',
    );
    assert.equal(at(deployment, 'name'), 'classifier-xgboost-mlflow');
    assert.equal(at(deployment, 'endpoint_name'), 'heart-classifier-batch');
    assert.equal(at(deployment, 'type'), 'model');
    assert.equal(at(deployment, 'model'), `azureml:${server.ws}/models/heart-classifier-mlflow/versions/1`);
    assert.equal(at(deployment, 'compute'), 'azureml:batch-cluster');
    assert.equal(at(deployment, 'resources.instance_count'), 2);
    assert.deepEqual(at(deployment, 'settings'), {
      max_concurrency_per_instance: 2,
      mini_batch_size: 2,
      output_action: 'append_row',
      output_file_name: 'predictions.csv',
      retry_settings: { max_retries: 3, timeout: 300 },
      error_threshold: -1,
      logging_level: 'info',
      environment_variables: {},
    });
    const [defaultName, scoringUri] = await Promise.all([
      cli(
        'batch-endpoint',
        'show',
        '-n',
        'heart-classifier-batch',
        '--query',
        'defaults.deployment_name',
        '-o',
        'tsv',
      ),
      cli(
        'batch-endpoint',
        'show',
        '--name',
        'heart-classifier-batch',
        '--query',
        'scoring_uri',
        '-o',
        'tsv',
      ),
    ]);
    assert.equal(defaultName.stdout, 'classifier-xgboost-mlflow\n');
    assert.equal(scoringUri.stdout, `${server.url}/endpoints/heart-classifier-batch/jobs\n`);
  });

  void it('lists and shows as json, table, tsv and yaml', async () => {
    const [list, table, names, name, deployments, deploymentYaml] = await Promise.all([
      cliJson('batch-endpoint', 'list'),
      cli('batch-endpoint', 'list', '-o', 'table', '-g', 'my-rg', '-w', 'my-ws'),
      cli('batch-endpoint', 'list', '--query', '[].name', '-o', 'tsv'),
      cli('batch-endpoint', 'show', '-n', 'heart-classifier-batch', '--query', 'name', '-o', 'tsv'),
      cli('batch-deployment', 'list', '-e', 'heart-classifier-batch', '-o', 'table'),
      cli(
        'batch-deployment',
        'show',
        '-n',
        'classifier-xgboost-mlflow',
        '-e',
        'heart-classifier-batch',
        '-o',
        'yaml',
      ),
    ]);
    assert.deepEqual(at(list, '[].defaults.deployment_name'), ['classifier-xgboost-mlflow']);
    const lines = table.stdout.split('\n');
    assert.match(
      lines[0] ?? '',
      /^Name\s+Deployment_name\s+Location\s+Provisioning_state\s+Scoring_uri\s+Auth_mode$/,
    );
    assert.match(lines[1] ?? '', /^-+\s+-+/);
    assert.match(
      lines[2] ?? '',
      /^heart-classifier-batch\s+classifier-xgboost-mlflow\s+local\s+Succeeded\s+http:\S+\s+aad_token$/,
    );
    assert.equal(names.stdout, 'heart-classifier-batch\n');
    assert.equal(name.stdout, 'heart-classifier-batch\n');
    assert.match(deployments.stdout, /^Name\s+Endpoint_name\s+Model\s+Compute\s+Provisioning_state\n/);
    assert.match(
      deployments.stdout,
      /\nclassifier-xgboost-mlflow\s+heart-classifier-batch\s+heart-classifier-mlflow:1\s+azureml:batch-cluster\s+Succeeded\n/,
    );
    assert.match(deploymentYaml.stdout, /^ {2}output_action: append_row$/m);
    assert.match(deploymentYaml.stdout, /^name: classifier-xgboost-mlflow$/m);
  });

  void it('deploys code with an inline environment, moves the default and deletes the old deployment', async () => {
    const custom = await cliJson(
      'batch-deployment',
      'create',
      '-f',
      join(HEART, 'deployment-custom/deployment.yml'),
      ...nothingToImport(),
    );
    assert.match(
      String(at(custom, 'code_configuration.code')),
      /^azureml:\/subscriptions\/.*\/codes\/[0-9a-f]{32}\/versions\/1$/,
    );
    assert.equal(at(custom, 'code_configuration.scoring_script'), 'batch_driver.py');
    assert.match(
      String(at(custom, 'environment')),
      /\/environments\/CliV2AnonymousEnvironment\/versions\/[0-9a-f]{32}$/,
    );
    const updated = await cliJson(
      'batch-endpoint',
      'update',
      '-n',
      'heart-classifier-batch',
      '--set',
      'defaults.deployment_name=classifier-xgboost-custom',
    );
    assert.equal(at(updated, 'defaults.deployment_name'), 'classifier-xgboost-custom');
    assert.equal(at(updated, 'description'), 'A heart condition classifier for batch inference');
    const removed = await cli(
      'batch-deployment',
      'delete',
      '-n',
      'classifier-xgboost-mlflow',
      '-e',
      'heart-classifier-batch',
      '--yes',
    );
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, '');
    const [remaining, refused] = await Promise.all([
      cli('batch-deployment', 'list', '-e', 'heart-classifier-batch', '--query', '[].name', '-o', 'tsv'),
      cli(
        'batch-deployment',
        'delete',
        '-n',
        'classifier-xgboost-custom',
        '-e',
        'heart-classifier-batch',
        '-y',
      ),
    ]);
    assert.equal(remaining.stdout, 'classifier-xgboost-custom\n');
    failed(refused, /is the default of endpoint 'heart-classifier-batch'.*\(HTTP 409\)/);
  });

  void it('reuses the code asset and environment of an unchanged deployment; inline models get the next version', async () => {
    await cliJson('batch-endpoint', 'create', '-f', join(MNIST, 'endpoint.yml'));
    const file = join(MNIST, 'deployment-torch/deployment.yml');
    const first = await cliJson(
      'batch-deployment',
      'create',
      '-f',
      file,
      '--set-default',
      ...nothingToImport(),
    );
    const second = await cliJson('batch-deployment', 'create', '-f', file, ...nothingToImport());
    assert.match(String(at(first, 'model')), /\/models\/mnist-classifier-torch\/versions\/1$/);
    assert.match(String(at(second, 'model')), /\/models\/mnist-classifier-torch\/versions\/2$/);
    assert.equal(at(second, 'code_configuration.code'), at(first, 'code_configuration.code'));
    assert.equal(at(second, 'environment'), at(first, 'environment'));
    assert.deepEqual(at(second, 'settings.retry_settings'), { max_retries: 3, timeout: 30 });
  });

  void it('reads the legacy flat layout (settings at the root)', async () => {
    const legacy = await cliJson(
      'batch-deployment',
      'create',
      '-f',
      join(BATCH, 'mnist-torch-deployment.yml'),
      '-n',
      'mnist-legacy',
      ...nothingToImport(),
    );
    assert.equal(at(legacy, 'name'), 'mnist-legacy');
    assert.equal(at(legacy, 'settings.max_concurrency_per_instance'), 2);
    assert.equal(at(legacy, 'settings.mini_batch_size'), 10);
    assert.deepEqual(at(legacy, 'settings.retry_settings'), { max_retries: 3, timeout: 30 });
    assert.match(String(at(legacy, 'model')), /\/models\/model-[0-9a-f]{32}\/versions\/1$/);
  });

  void it('updates a deployment with --set and no file, keeping everything else', async () => {
    const before = await cliJson('batch-deployment', 'show', '-n', 'mnist-torch-dpl', '-e', 'mnist-batch');
    const after = await cliJson(
      'batch-deployment',
      'update',
      '-n',
      'mnist-torch-dpl',
      '-e',
      'mnist-batch',
      '--set',
      'settings.mini_batch_size=3',
      'settings.output_action=summary_only',
      '--set',
      'settings.environment_variables.MODE=fast',
    );
    assert.equal(at(after, 'settings.mini_batch_size'), 3);
    assert.equal(at(after, 'settings.output_action'), 'summary_only');
    assert.deepEqual(at(after, 'settings.environment_variables'), { MODE: 'fast' });
    for (const field of ['model', 'code_configuration', 'environment', 'compute', 'description']) {
      assert.deepEqual(at(after, field), at(before, field), field);
    }
  });

  void it('deletes an endpoint together with its deployments', async () => {
    const removed = await cli('batch-endpoint', 'delete', '-n', 'mnist-batch', '-y');
    assert.equal(removed.code, 0, removed.stderr);
    failed(
      await cli('batch-deployment', 'list', '-e', 'mnist-batch'),
      /Batch endpoint 'mnist-batch' was not found.*\(HTTP 404\)/,
    );
    const rest = await server.call(
      'GET',
      `${server.ws}/batchEndpoints/mnist-batch/deployments/mnist-torch-dpl`,
    );
    assert.equal(rest.status, 404);
  });
});
