/**
 * Environments through the real server and CLI: the packages a conda file lists are checked against the
 * deployment's Python interpreter when the deployment is created. Missing packages and an interpreter
 * that does not exist are refused with a 400 naming them; JavaScript and ONNX deployments store their
 * environment as given. Only creation is tested here: running Python scripts is the runtime's tests.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jsonOf, runCli, type CliResult } from '../helpers/cli.ts';
import { needs, PYTHON_LIBRARIES } from '../helpers/components.ts';
import { at } from '../helpers/json.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { REPO_ROOT } from '../helpers/repo.ts';

const BAD_CONDA = `name: batch-env
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - numpy
  - pip:
    - pandas>=1.5
    - nightshift-not-a-package==0.1
    - azureml-core==1.48
    - azureml-dataset-runtime[fuse]
`;

const GOOD_CONDA = `name: batch-env
dependencies:
  - python=3.11
  - numpy
  - pip:
    - pandas>=1.5
    - scikit-learn==1.2
    - mlflow
    - azureml-core==1.48
`;

const ENDPOINT = 'env-check-batch';

/**
 * The tests whose conda files list numpy, pandas and scikit-learn as present (GOOD_CONDA is accepted, and
 * BAD_CONDA is refused for its one fake package only).
 */
const withLibraries = await needs(PYTHON_LIBRARIES);

let server: TestServer;
let scratch: string;

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, { server: server.url });
}

function scratchFile(name: string, text: string): string {
  const file = join(scratch, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

function failed(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 1, `expected exit 1; stdout: ${result.stdout} stderr: ${result.stderr}`);
  assert.match(result.stderr, pattern);
  assert.equal(result.stdout, '');
}

function succeeded(result: CliResult): unknown {
  return jsonOf(result);
}

/** A deployment file in the scratch folder; `environment` is YAML indented under `environment:`. */
function deploymentFile(
  name: string,
  options: { model: string; script?: string; environment: string },
): string {
  const code = options.script
    ? `code_configuration:\n  code: code\n  scoring_script: ${options.script}\n`
    : '';
  return scratchFile(
    `${name}.yml`,
    `name: ${name}\nendpoint_name: ${ENDPOINT}\ntype: model\nmodel: ${options.model}\n${code}` +
      `environment:${options.environment}\n`,
  );
}

function inlineEnvironment(conda: string, python?: string): string {
  const executable = python === undefined ? '' : `  python_executable: ${python}\n`;
  return `\n  image: python:3.11\n  conda_file: ${conda}\n${executable}`;
}

before(async () => {
  server = await startServer();
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-env-check-'));
  scratchFile('code/score.py', 'def init():\n    pass\n\ndef run(mini_batch):\n    return mini_batch\n');
  scratchFile('code/score.js', 'export function init() {}\nexport function run(batch) { return batch; }\n');
  scratchFile('bad-conda.yml', BAD_CONDA);
  scratchFile('good-conda.yml', GOOD_CONDA);
  scratchFile('endpoint.yml', `name: ${ENDPOINT}\n`);
  // An MLflow model with only Python flavors: without a script it runs in Python, not ONNX.
  scratchFile(
    'sklearn-model/MLmodel',
    'flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n  sklearn:\n    pickled_model: model.pkl\n',
  );
  copyFileSync(join(REPO_ROOT, 'fixtures/models/iris-lr.onnx'), join(scratch, 'sklearn-model/model.pkl'));
  const ready = await Promise.all([
    cli('batch-endpoint', 'create', '-f', join(scratch, 'endpoint.yml')),
    cli('model', 'create', '-n', 'iris-custom', '--path', 'fixtures/models/iris-lr.onnx'),
    cli(
      'model',
      'create',
      '-n',
      'onnx-mlflow',
      '--path',
      'fixtures/models/breast-cancer-rf',
      '--type',
      'mlflow_model',
    ),
    cli(
      'model',
      'create',
      '-n',
      'sklearn-mlflow',
      '--path',
      join(scratch, 'sklearn-model'),
      '--type',
      'mlflow_model',
    ),
  ]);
  for (const result of ready) assert.equal(result.code, 0, result.stderr);
});

after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

void describe('environments: conda packages are checked when a Python deployment is created', () => {
  const custom = 'azureml:iris-custom:1';

  void it(
    'refuses a .py deployment whose conda file lists a missing package, naming it',
    withLibraries,
    async () => {
      const file = deploymentFile('py-missing', {
        model: custom,
        script: 'score.py',
        environment: inlineEnvironment('bad-conda.yml'),
      });
      const result = await cli('batch-deployment', 'create', '-f', file);
      failed(
        result,
        /Environment 'CliV2AnonymousEnvironment:[0-9a-f]+': its conda file lists a package that the Python interpreter \/usr\/bin\/python3 cannot import: nightshift-not-a-package\. .*python_executable.*\(HTTP 400\)/,
      );
      assert.doesNotMatch(result.stderr, /pandas|numpy|azureml/);
      const shown = await cli('batch-deployment', 'show', '-n', 'py-missing', '-e', ENDPOINT);
      failed(shown, /was not found.*\(HTTP 404\)/);
    },
  );

  void it('accepts the same deployment when every package is present', withLibraries, async () => {
    const file = deploymentFile('py-present', {
      model: custom,
      script: 'score.py',
      environment: inlineEnvironment('good-conda.yml'),
    });
    const created = succeeded(await cli('batch-deployment', 'create', '-f', file));
    assert.match(String(at(created, 'environment')), /\/environments\/CliV2AnonymousEnvironment\/versions\//);
  });

  void it('refuses an interpreter that does not exist, saying how to choose another', async () => {
    const file = deploymentFile('py-no-python', {
      model: custom,
      script: 'score.py',
      environment: inlineEnvironment('good-conda.yml', '/nonexistent/python'),
    });
    failed(
      await cli('batch-deployment', 'create', '-f', file),
      /Python interpreter '\/nonexistent\/python' does not exist\. Set the environment's python_executable .*NIGHTSHIFT_PYTHON.*\(HTTP 400\)/,
    );
  });

  void it('stores the environment of JavaScript and ONNX deployments without checking it', async () => {
    const [js, onnx] = await Promise.all([
      cli(
        'batch-deployment',
        'create',
        '-f',
        deploymentFile('js-bad-conda', {
          model: custom,
          script: 'score.js',
          environment: inlineEnvironment('bad-conda.yml', '/nonexistent/python'),
        }),
      ),
      cli(
        'batch-deployment',
        'create',
        '-f',
        deploymentFile('onnx-bad-conda', {
          model: 'azureml:onnx-mlflow:1',
          environment: inlineEnvironment('bad-conda.yml'),
        }),
      ),
    ]);
    assert.equal(at(succeeded(js), 'code_configuration.scoring_script'), 'score.js');
    assert.match(String(at(succeeded(onnx), 'environment')), /CliV2AnonymousEnvironment/);
  });

  void it('checks an MLflow model without the onnx flavor, which runs in Python', withLibraries, async () => {
    const [bad, good] = await Promise.all([
      cli(
        'batch-deployment',
        'create',
        '-f',
        deploymentFile('mlflow-bad', {
          model: 'azureml:sklearn-mlflow:1',
          environment: inlineEnvironment('bad-conda.yml'),
        }),
      ),
      cli(
        'batch-deployment',
        'create',
        '-f',
        deploymentFile('mlflow-good', {
          model: 'azureml:sklearn-mlflow:1',
          environment: inlineEnvironment('good-conda.yml'),
        }),
      ),
    ]);
    failed(bad, /cannot import: nightshift-not-a-package\..*\(HTTP 400\)/);
    succeeded(good);
  });

  void it('registers python_executable on a standalone environment and uses it', withLibraries, async () => {
    const envFile = scratchFile(
      'environment.yml',
      'name: py-env\nimage: python:3.11\nconda_file: good-conda.yml\npython_executable: /usr/bin/python3\n',
    );
    const missingPython = scratchFile(
      'environment-missing.yml',
      'name: py-env-missing\nimage: python:3.11\nconda_file: good-conda.yml\npython_executable: /nonexistent/python\n',
    );
    const [registered, registeredMissing] = await Promise.all([
      cli('environment', 'create', '-f', envFile),
      cli('environment', 'create', '-f', missingPython),
    ]);
    assert.equal(at(succeeded(registered), 'python_executable'), '/usr/bin/python3');
    succeeded(registeredMissing);
    const rest = await server.call('GET', `${server.ws}/environments/py-env/versions/1`);
    assert.equal(at(rest.body, 'properties.pythonExecutable'), '/usr/bin/python3');
    const [ok, refused] = await Promise.all([
      cli(
        'batch-deployment',
        'create',
        '-f',
        deploymentFile('py-registered', {
          model: custom,
          script: 'score.py',
          environment: ' azureml:py-env:1',
        }),
      ),
      cli(
        'batch-deployment',
        'create',
        '-f',
        deploymentFile('py-registered-missing', {
          model: custom,
          script: 'score.py',
          environment: ' azureml:py-env-missing@latest',
        }),
      ),
    ]);
    assert.match(String(at(succeeded(ok), 'environment')), /\/environments\/py-env\/versions\/1$/);
    failed(
      refused,
      /Environment 'py-env-missing:1': Python interpreter '\/nonexistent\/python' does not exist/,
    );
  });

  void it(
    "refuses azureml-examples' torch deployment by package name until its conda file fits",
    withLibraries,
    async () => {
      const mnist = join(
        REPO_ROOT,
        'test/fixtures/azureml-examples/cli/endpoints/batch/deploy-models/mnist-classifier',
      );
      const endpoint = await cli('batch-endpoint', 'create', '-f', join(mnist, 'endpoint.yml'));
      assert.equal(endpoint.code, 0, endpoint.stderr);
      const cluster = await server.call('PUT', `${server.ws}/computes/batch-cluster`, {
        properties: { computeType: 'AmlCompute' },
      });
      assert.equal(cluster.status, 201);
      const file = join(mnist, 'deployment-torch/deployment.yml');
      const refused = await cli('batch-deployment', 'create', '-f', file);
      failed(refused, /cannot import: torch, torchvision, pytorch-lightning\. /);
      assert.doesNotMatch(refused.stderr, /azureml|pandas/);
      const fitted = await cli(
        'batch-deployment',
        'create',
        '-f',
        file,
        '--set',
        `environment.conda_file=${join(scratch, 'good-conda.yml')}`,
      );
      assert.equal(at(succeeded(fitted), 'name'), 'mnist-torch-dpl');
    },
  );

  void it('answers the REST API with a 400 on properties.environmentId', withLibraries, async () => {
    const env = await server.call('PUT', `${server.ws}/environments/rest-env/versions/1`, {
      properties: { image: 'python:3.11', condaFile: BAD_CONDA },
    });
    assert.equal(env.status, 201);
    // The code asset the accepted .py deployment registered.
    const deployments = await server.call(
      'GET',
      `${server.ws}/batchEndpoints/${ENDPOINT}/deployments/py-present`,
    );
    const codeId = String(at(deployments.body, 'properties.codeConfiguration.codeId'));
    const put = await server.call('PUT', `${server.ws}/batchEndpoints/${ENDPOINT}/deployments/rest-py`, {
      properties: {
        model: { referenceType: 'Id', assetId: `${server.ws}/models/iris-custom/versions/1` },
        codeConfiguration: { codeId, scoringScript: 'score.py' },
        environmentId: `${server.ws}/environments/rest-env/versions/1`,
      },
    });
    assert.equal(put.status, 400);
    assert.equal(at(put.body, 'error.code'), 'UserError');
    assert.match(String(at(put.body, 'error.message')), /cannot import: nightshift-not-a-package\./);
    assert.equal(at(put.body, 'error.details[0].target'), 'properties.environmentId');
  });
});
