/**
 * Data assets, datastores and environments through the `nightshift` CLI, as an `az ml` user drives them:
 * azureml-examples YAML files and flags, shown and listed as json, table and `--query X -o tsv`. Models,
 * endpoints and deployments are in resources-cli.test.ts, bad input in resources-cli-errors.test.ts.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jsonOf, runCli, writeFileIn, type CliResult } from '../helpers/cli.ts';
import { at } from '../helpers/json.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { REPO_ROOT } from '../helpers/repo.ts';

const BATCH = join(REPO_ROOT, 'test/fixtures/azureml-examples/cli/endpoints/batch');
const HEART = join(BATCH, 'deploy-models/heart-classifier-mlflow');

let server: TestServer;
let scratch: string;

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-cli-data-'));
  // Local-folder datastores are a host privilege: the operator allows the scratch folder for them.
  server = await startServer({ env: { NIGHTSHIFT_DATASTORE_ROOTS: scratch } });
});

after(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await server.stop();
});

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, { server: server.url });
}

async function cliJson(...args: string[]): Promise<unknown> {
  return jsonOf(await cli(...args));
}

const scratchFile = (name: string, text: string): string => writeFileIn(scratch, name, text);

void describe('CLI: data, datastores and environments', () => {
  void it('registers data from YAML and from flags, and shows and lists it', async () => {
    const [folder, file] = await Promise.all([
      cliJson('data', 'create', '-f', join(HEART, 'heart-dataset-unlabeled.yml')),
      cliJson(
        'data',
        'create',
        '--name',
        'iris',
        '--path',
        'fixtures/data/iris/iris.csv',
        '--type',
        'uri_file',
        '--version',
        '3',
      ),
    ]);
    assert.equal(at(folder, 'type'), 'uri_folder');
    assert.match(
      String(at(folder, 'path')),
      /^azureml:\/\/datastores\/workspaceblobstore\/paths\/LocalUpload\/[0-9a-f]{32}\/data$/,
    );
    assert.equal(at(file, 'version'), '3');
    assert.match(String(at(file, 'path')), /\/LocalUpload\/[0-9a-f]{32}\/iris\.csv$/);
    const [again, listed, table] = await Promise.all([
      cli(
        'data',
        'create',
        '-f',
        join(HEART, 'heart-dataset-unlabeled.yml'),
        '--query',
        'version',
        '-o',
        'tsv',
      ),
      cliJson('data', 'list'),
      cli('data', 'show', '-n', 'iris', '-o', 'table'),
    ]);
    assert.equal(again.stdout, '2\n');
    assert.deepEqual(at(listed, 'sort([].name)'), ['heart-dataset-unlabeled', 'iris']);
    assert.match(table.stdout, /^Name\s+Version\s+Type\s+Path\n-+.*\niris\s+3\s+uri_file\s+azureml:/);
  });

  void it('creates a local-folder datastore and shows and lists it', async () => {
    mkdirSync(join(scratch, 'stores/local-data'), { recursive: true });
    const file = scratchFile(
      'stores/datastore.yml',
      'name: localdata\ntype: local_folder\npath: local-data\ndescription: mine\n',
    );
    const created = await cliJson('datastore', 'create', '-f', file);
    assert.equal(at(created, 'type'), 'local_folder');
    assert.equal(at(created, 'path'), join(scratch, 'stores/local-data'));
    const [shown, table] = await Promise.all([
      cliJson('datastore', 'show', '-n', 'localdata'),
      cli('datastore', 'list', '-o', 'table'),
    ]);
    assert.equal(at(shown, 'description'), 'mine');
    assert.match(table.stdout, /^Name\s+Type\s+Path\s+Credentials\n/);
    assert.match(table.stdout, /\nworkspaceblobstore\s+local_folder\s/);
    assert.match(table.stdout, /\nlocaldata\s+local_folder\s/);
  });

  void it('registers an environment with its conda file and shows and lists it', async () => {
    copyFileSync(join(BATCH, 'mnist/environment/conda.yml'), join(scratch, 'conda.yml'));
    const file = scratchFile(
      'environment.yml',
      'name: mnist-env\nimage: python:3.12\nconda_file: conda.yml\ntags:\n  stage: dev\n',
    );
    const created = await cliJson('environment', 'create', '-f', file);
    assert.equal(at(created, 'version'), '1');
    assert.equal(at(created, 'conda_file.name'), 'mnist-env');
    assert.deepEqual(at(created, 'tags'), { stage: 'dev' });
    const [second, table] = await Promise.all([
      cliJson('environment', 'create', '-f', file, '--set', 'image=python:3.13'),
      cli('environment', 'list', '-o', 'table'),
    ]);
    assert.equal(at(second, 'version'), '2');
    assert.match(table.stdout, /^Name\s+Version\s+Image\s+Description\n/);
    const shown = await cliJson('environment', 'show', '-n', 'mnist-env', '-v', '1');
    assert.equal(at(shown, 'image'), 'python:3.12');
  });
});
