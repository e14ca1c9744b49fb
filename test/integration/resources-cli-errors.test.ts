/**
 * What the `nightshift` CLI does with bad input, as a user meets it: YAML and field errors with file and
 * line, unknown references, invalid names, immutable versions, path traversal, unknown resources, usage
 * errors; plus uploads that skip content already on the server, `--help`, and the `serve` process
 * lifecycle (one server per data dir, clean exit on SIGTERM).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApiClient } from '../../src/cli/client.ts';
import { uploadLocalPath } from '../../src/cli/uploads.ts';
import { runCli, startServeProcess, writeFileIn, type CliResult } from '../helpers/cli.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { ownerTokens } from '../helpers/auth.ts';
import { REPO_ROOT } from '../helpers/repo.ts';

const EXAMPLES = join(REPO_ROOT, 'test/fixtures/azureml-examples/cli');
const BATCH = join(EXAMPLES, 'endpoints/batch');
const HEART = join(BATCH, 'deploy-models/heart-classifier-mlflow');

let server: TestServer;
let scratch: string;

before(async () => {
  server = await startServer();
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-cli-errors-'));
  // What the failing commands refer to: a registered model and an endpoint.
  const ready = await Promise.all([
    cli(
      'model',
      'create',
      '--name',
      'heart-classifier-mlflow',
      '--path',
      'fixtures/models/breast-cancer-rf',
      '--type',
      'mlflow_model',
    ),
    cli('batch-endpoint', 'create', '-f', join(HEART, 'endpoint.yml')),
  ]);
  for (const result of ready) assert.equal(result.code, 0, result.stderr);
});

after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, { server: server.url });
}

const scratchFile = (name: string, text: string): string => writeFileIn(scratch, name, text);

function failed(result: CliResult, pattern: RegExp, code = 1): void {
  assert.equal(result.code, code, `expected exit ${code}; stdout: ${result.stdout} stderr: ${result.stderr}`);
  assert.match(result.stderr, pattern);
  assert.equal(result.stdout, '');
}

void describe('CLI: bad input', () => {
  const model = 'azureml:heart-classifier-mlflow@latest';

  void it('reports YAML and field errors with file and line, before calling the server', async () => {
    const broken = scratchFile('bad/broken.yml', 'name: ep-broken\ndescription: foo: bar\n');
    const unknown = scratchFile('bad/unknown.yml', 'name: ep-unknown\ndescription: x\ncolour: blue\n');
    const badName = scratchFile('bad/bad-name.yml', 'name: 1bad_name\n');
    const badType = scratchFile(
      'bad/bad-type.yml',
      `name: dep-type\nendpoint_name: heart-classifier-batch\ntype: model\nmodel: ${model}\nsettings:\n  mini_batch_size: many\n`,
    );
    const results = await Promise.all([
      cli('batch-endpoint', 'create', '-f', broken),
      cli('batch-endpoint', 'create', '-f', unknown),
      cli('batch-endpoint', 'create', '-f', badName),
      cli('batch-deployment', 'create', '-f', badType),
      cli('batch-deployment', 'create', '-f', badType, '--set', 'settings.nope=1'),
      cli('batch-endpoint', 'create', '-f', join(scratch, 'bad/missing.yml')),
    ]);
    const [r0, r1, r2, r3, r4, r5] = results;
    failed(r0, new RegExp(`^ERROR: ${broken}:2:\\d+: `));
    failed(
      r1,
      new RegExp(`^ERROR: ${unknown}:3:9: field 'colour': unknown field; allowed fields are name, `),
    );
    failed(r2, new RegExp(`${badName}:1:7: field 'name': Invalid endpoint name '1bad_name'`));
    failed(
      r3,
      new RegExp(
        `${badType}:6:20: field 'settings.mini_batch_size': must be a number of files, a size such as "64MB"`,
      ),
    );
    failed(r4, /field 'settings\.nope' \(from --set\): unknown field in 'settings'/);
    failed(r5, /missing\.yml: no such file/);
    assert.equal((await server.call('GET', `${server.ws}/batchEndpoints/ep-unknown`)).status, 404);
  });

  void it('refuses unknown fields and types in model, data, environment and datastore files', async () => {
    const env = scratchFile('bad/env.yml', 'name: env-bad\nimage: python:3.12\nconda: conda.yml\n');
    const modelFile = scratchFile('bad/model.yml', 'name: model-bad\npath: ../bad\ntype: triton_model\n');
    const data = scratchFile('bad/data.yml', 'name: data-bad\npath: ../bad\ntype: uri_file\n');
    const store = scratchFile('bad/store.yml', 'name: blobby\ntype: azure_blob\naccount_nmae: x\n');
    const blob = scratchFile('bad/blob.yml', 'name: share\ntype: azure_file\n');
    const results = await Promise.all([
      cli('environment', 'create', '-f', env),
      cli('model', 'create', '-f', modelFile),
      cli('data', 'create', '-f', data),
      cli('datastore', 'create', '-f', store),
      cli('datastore', 'create', '-f', blob),
    ]);
    const [r0, r1, r2, r3, r4] = results;
    failed(r0, new RegExp(`${env}:3:8: field 'conda': unknown field`));
    failed(
      r1,
      new RegExp(
        `${modelFile}:3:7: field 'type': must be one of custom_model, mlflow_model, got 'triton_model'`,
      ),
    );
    failed(r2, new RegExp(`${data}:2:7: field 'path': a uri_file data asset needs a file`));
    failed(
      r3,
      new RegExp(`${store}:3:\\d+: field 'account_nmae': unknown field.*did you mean 'account_name'`),
    );
    failed(
      r4,
      new RegExp(
        `${blob}:2:7: field 'type': 'azure_file' datastores are not supported; use type: local_folder`,
      ),
    );
  });

  void it('refuses unknown references, missing scoring scripts and pipeline deployments', async () => {
    mkdirSync(join(scratch, 'bad/code'), { recursive: true });
    writeFileSync(join(scratch, 'bad/code/score.py'), 'def run(mini_batch):\n    return []\n');
    const head = 'name: dep-bad\nendpoint_name: heart-classifier-batch\n';
    const unknownRef = scratchFile('bad/unknown-ref.yml', `${head}type: model\nmodel: azureml:nope:1\n`);
    const noScript = scratchFile(
      'bad/no-script.yml',
      `${head}type: model\nmodel: ${model}\ncode_configuration:\n  code: code\n  scoring_script: missing.py\n`,
    );
    const pipeline = scratchFile(
      'bad/pipeline.yml',
      `${head}type: pipeline\ncomponent: azureml:hello_batch@latest\nsettings:\n  default_compute: batch-cluster\n`,
    );
    const results = await Promise.all([
      cli('batch-deployment', 'create', '-f', unknownRef),
      cli('batch-deployment', 'create', '-f', noScript),
      cli('batch-deployment', 'create', '-f', pipeline),
      cli(
        'batch-deployment',
        'create',
        '-f',
        noScript,
        '-e',
        'no-such-endpoint',
        '--set',
        'code_configuration.scoring_script=score.py',
      ),
    ]);
    const [r0, r1, r2, r3] = results;
    failed(r0, new RegExp(`${unknownRef}:4:8: field 'model': model 'nope' version '1' is not registered`));
    failed(
      r1,
      new RegExp(`${noScript}:7:19: field 'code_configuration.scoring_script': 'missing.py' was not found`),
    );
    failed(r2, /NotSupported: Pipeline component deployments \(type: pipeline\) are not supported yet/);
    failed(r3, /Batch endpoint 'no-such-endpoint' was not found/);
  });

  void it('refuses invalid names, immutable model versions, path traversal and unknown resources', async () => {
    const results = await Promise.all([
      cli('batch-endpoint', 'create', '--name', 'Bad_Name'),
      cli(
        'model',
        'create',
        '--name',
        'heart-classifier-mlflow',
        '--version',
        '1',
        '--path',
        'fixtures/models/iris-lr.onnx',
      ),
      cli(
        'data',
        'create',
        '--name',
        'escape',
        '--path',
        'azureml://datastores/workspaceblobstore/paths/../../etc',
      ),
      cli('batch-endpoint', 'show', '-n', 'nope'),
      cli('model', 'show', '-n', 'nope'),
      cli(
        'batch-endpoint',
        'update',
        '-n',
        'heart-classifier-batch',
        '--set',
        'defaults.deployment_name=nope',
      ),
      cli('data', 'create', '--name', 'gone', '--path', 'no/such/folder'),
    ]);
    const [r0, r1, r2, r3, r4, r5, r6] = results;
    failed(r0, /Invalid endpoint name 'bad_name' in '--name'/, 2);
    failed(
      r1,
      /version '1' already exists with other content; registered versions are immutable.*\(HTTP 409\)/,
    );
    failed(r2, /'\.\.' is not allowed.*\(HTTP 400\)/);
    failed(r3, /Batch endpoint 'nope' was not found.*\(HTTP 404\)/);
    failed(r4, /Model 'nope' was not found.*\(HTTP 404\)/);
    failed(
      r5,
      /names deployment 'nope', which endpoint 'heart-classifier-batch' does not have.*\(HTTP 400\)/,
    );
    failed(r6, /command line: field 'path': local path 'no\/such\/folder' does not exist/);
  });

  void it('fails usage errors with exit 2 and unreachable servers with a hint', async () => {
    const results = await Promise.all([
      cli('batch-endpoint', 'show'),
      cli('batch-deployment', 'list'),
      cli('batch-endpoint', 'delete', '-n', 'heart-classifier-batch'),
      runCli(['batch-endpoint', 'list', '--server', 'http://127.0.0.1:1']),
      cli('batch-endpoint', 'list', '-o', 'xml'),
      cli('batch-endpoint', 'list', '--query', '[.bad'),
    ]);
    const [r0, r1, r2, r3, r4, r5] = results;
    failed(r0, /the following arguments are required: --name\/-n/, 2);
    failed(r1, /the following arguments are required: --endpoint-name\/-e/, 2);
    failed(r2, /Pass --yes \(-y\) to confirm/, 2);
    failed(r3, /Cannot reach the Nightshift server at http:\/\/127\.0\.0\.1:1/);
    assert.notEqual(r4.code, 0);
    assert.match(r4.stderr, /xml/);
    assert.notEqual(r5.code, 0);
    assert.match(r5.stderr, /--query/);
    assert.equal(
      (await server.call('GET', `${server.ws}/batchEndpoints/heart-classifier-batch`)).status,
      200,
    );
  });

  void it('documents the common options in --help', async () => {
    const [create, show, version] = await Promise.all([
      cli('batch-endpoint', 'create', '--help'),
      cli('model', 'show', '--help'),
      cli('--version'),
    ]);
    for (const flag of [
      '--file',
      '--name',
      '--set',
      '--server',
      '--output',
      '--query',
      '--resource-group',
      '--workspace-name',
    ]) {
      assert.ok(create.stdout.includes(flag), flag);
    }
    assert.match(create.stdout, /ignored/);
    assert.match(show.stdout, /-v, --version <version>/);
    assert.equal(version.stdout, '0.1.0\n');
  });
});

void describe('CLI: uploads', () => {
  void it('uploads a folder once; the same content is found in place the next time', async () => {
    const folder = join(scratch, 'upload-me');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    writeFileSync(join(folder, 'a.txt'), 'a');
    writeFileSync(join(folder, 'sub/b.txt'), 'bb');
    const client = createApiClient(server.url, ownerTokens(server.url));
    const first = await uploadLocalPath(client, folder);
    const second = await uploadLocalPath(client, folder);
    assert.equal(first.uploaded, true);
    assert.equal(second.uploaded, false);
    assert.equal(second.uri, first.uri);
    assert.ok(
      existsSync(
        join(
          server.dataDir,
          'datastores/workspaceblobstore',
          first.uri.split('/paths/')[1] ?? '',
          'sub/b.txt',
        ),
      ),
    );
    writeFileSync(join(folder, 'a.txt'), 'changed');
    const third = await uploadLocalPath(client, folder);
    assert.notEqual(third.uri, first.uri);
  });

  void it('keeps spaces and % in uploaded names', async () => {
    const folder = join(scratch, '50% data');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'a 100%.csv'), 'x\n1\n');
    const result = await cli(
      'data',
      'create',
      '--name',
      'odd-names',
      '--path',
      folder,
      '--query',
      'path',
      '-o',
      'tsv',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\/LocalUpload\/[0-9a-f]{32}\/50% data\n$/);
    const path = result.stdout.trim().split('/paths/')[1] ?? '';
    assert.ok(existsSync(join(server.dataDir, 'datastores/workspaceblobstore', path, 'a 100%.csv')));
  });
});

void describe('serve', () => {
  void it('refuses a second server on the same data dir and stops cleanly on SIGTERM', async () => {
    const dataDir = join(scratch, 'serve-data');
    const first = startServeProcess(dataDir);
    const url = await first.ready;
    const second = startServeProcess(dataDir);
    const refused = await second.exited;
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /Another Nightshift server \(pid \d+, http:\/\/127\.0\.0\.1:\d+\) is already using the data dir/,
    );
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    first.child.kill('SIGTERM');
    const stopped = await first.exited;
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal(existsSync(join(dataDir, 'server.lock')), false);
  });
});
