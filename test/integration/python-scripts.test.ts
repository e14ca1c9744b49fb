/**
 * Python scoring scripts written for Azure, deployed unchanged on a real server over REST: a script
 * returning a list is written one `str(item)` per line, one returning a DataFrame space separated with
 * pandas' quoting (checked byte for byte), `summary_only` writes no predictions, and a script sees what
 * Azure promises it (AZUREML_MODEL_DIR with the model under it, AZUREML_BI_OUTPUT_PATH, the
 * deployment's variables, `--logging_level`, the code folder as cwd and on the import path), with its
 * print() and logging in the user stdout log and sys.stderr in the user stderr log. A registered
 * environment's `pythonExecutable` picks the interpreter.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';
import { folderBody, Nightshift, uniqueName, type JobView } from '../helpers/jobs.ts';
import { PYTHON, PYTHON_FIXTURES } from '../fixtures/python/support.ts';
import { needs, PYTHON_LIBRARIES } from '../helpers/components.ts';

async function pythonScript(file: string): Promise<{ file: string; source: string }> {
  return { file, source: await readFile(join(PYTHON_FIXTURES, file), 'utf8') };
}

function completed(job: JobView): void {
  assert.equal(
    job.properties.status,
    'Completed',
    job.properties.result ?? JSON.stringify(job.properties.error),
  );
}

describe('Python scoring scripts', await needs(PYTHON_LIBRARIES), () => {
  let server: TestServer;
  let ns: Nightshift;
  let scratch: string;

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
    scratch = await mkdtemp(join(tmpdir(), 'nightshift-py-it-'));
  });

  after(async () => {
    await server.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  /** Files whose content has `n` lines for a name ending in `-n.txt`, so scripts can count them. */
  async function inputs(names: string[]): Promise<string> {
    const folder = `inputs/${uniqueName('py')}`;
    const lines = (name: string) => Number(/-(\d+)\.txt$/.exec(name)?.[1] ?? 1);
    await ns.uploadFiles(
      folder,
      Object.fromEntries(
        names.map((n) => [n, Array.from({ length: lines(n) }, (_, i) => `${i}\n`).join('')]),
      ),
    );
    return folder;
  }

  /** Registers a code folder with several files; returns `[codeId, scoringScript]`. */
  async function registerCode(files: string[], script: string): Promise<[string, string]> {
    const name = uniqueName('code');
    const contents = Object.fromEntries(
      await Promise.all(files.map(async (f) => [f, await readFile(join(PYTHON_FIXTURES, f), 'utf8')])),
    ) as Record<string, string>;
    const codeUri = await ns.uploadFiles(`code/${name}`, contents);
    await ns.ok('PUT', `${ns.ws}/codes/${name}/versions/1`, { json: { properties: { codeUri } } });
    return [`azureml:${name}:1`, script];
  }

  test('a list is written one str(item) per line', async () => {
    const folder = await inputs(['a-2.txt', 'b-3.txt', 'c-1.txt']);
    const { scoringUri } = await ns.deploy({
      script: await pythonScript('list_scorer.py'),
      settings: { miniBatchSize: 2 },
    });
    const job = await ns.run(scoringUri, folderBody(folder));
    completed(job);
    assert.deepEqual(job.properties.progress.items, { total: 3, succeeded: 3, failed: 0 });
    const text = await ns.readFile(job.properties.outputData.score.uri);
    assert.equal(text, "('a-2.txt', 2)\n('b-3.txt', 3)\n('c-1.txt', 1)\n");
  });

  test('a DataFrame is written space separated, no header, no index, pandas quoting', async () => {
    const folder = await inputs(['a-2.txt', 'with space-3.txt']);
    const { scoringUri } = await ns.deploy({
      script: await pythonScript('dataframe_scorer.py'),
      settings: { miniBatchSize: 2 },
    });
    const job = await ns.run(scoringUri, folderBody(folder));
    completed(job);
    const text = await ns.readFile(job.properties.outputData.score.uri);
    assert.equal(
      text,
      'a-2.txt 2 1.0 "scored ""a-2.txt"" ok"\n' +
        '"with space-3.txt" 3 1.5 "scored ""with space-3.txt"" ok"\n',
    );
    assert.equal(job.properties.progress.rows, 2);
  });

  test('summary_only counts the rows and writes no predictions', async () => {
    const folder = await inputs(['a-1.txt', 'b-1.txt', 'c-1.txt']);
    const { scoringUri } = await ns.deploy({
      script: await pythonScript('too_few.py'),
      settings: { miniBatchSize: 3, outputAction: 'SummaryOnly' },
    });
    const job = await ns.run(scoringUri, folderBody(folder));
    completed(job);
    assert.deepEqual(job.properties.progress.items, { total: 3, succeeded: 2, failed: 1 });
    assert.equal(job.properties.progress.rows, 0, 'no row was written');
    assert.equal(await ns.readFile(job.properties.outputData.score.uri), undefined);
  });

  test("the script's environment, arguments, imports and logs are Azure's", async () => {
    const folder = await inputs(['a-1.txt', 'b-1.txt']);
    const endpoint = uniqueName('ep');
    const deployment = uniqueName('dep');
    const scoringUri = await ns.createEndpoint(endpoint);
    const model = await ns.registerModel();
    const code = await registerCode(['environment.py', 'helper_module.py'], 'environment.py');
    await ns.createDeployment(endpoint, deployment, model, code, {
      miniBatchSize: 2,
      environmentVariables: { NIGHTSHIFT_TEST_VAR: 'from the deployment' },
    });
    await ns.setDefault(endpoint, deployment);
    const job = await ns.run(scoringUri, folderBody(folder));
    completed(job);
    const reports = (await ns.outputLines(job)).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      reports.map((r) => r.file),
      ['a-1.txt', 'b-1.txt'],
    );
    const report = reports[0] ?? {};
    assert.equal(report.custom, 'from the deployment');
    assert.equal(report.loggingLevel, 'INFO');
    assert.equal(report.helper, 'hello from the code folder');
    assert.equal(report.stdin, '', 'stdin is not the driver protocol');
    assert.equal(report.absolute, true);
    assert.ok(
      existsSync(join(String(report.modelDir), 'model.txt')),
      `model under ${String(report.modelDir)}`,
    );
    assert.ok(existsSync(join(String(report.cwd), 'environment.py')), `cwd ${String(report.cwd)}`);
    assert.ok(String(report.outputDir).endsWith(job.name) || existsSync(String(report.outputDir)));
    const stdout = await ns.logsUnder(job.name, 'user/stdout/');
    assert.match(stdout, /environment: init printed/);
    assert.match(stdout, /INFO environment-script: environment: init logged at info/);
    assert.match(stdout, /environment: run printed for 2 files/);
    assert.doesNotMatch(stdout, /debug is hidden/);
    assert.match(await ns.logsUnder(job.name, 'user/stderr/'), /environment: to stderr/);
  });

  test("a registered environment's pythonExecutable runs the script", async () => {
    const python = join(scratch, 'python-of-the-environment');
    await symlink(PYTHON, python);
    const envName = uniqueName('env');
    await ns.ok('PUT', `${ns.ws}/environments/${envName}/versions/1`, {
      json: { properties: { image: 'python:3.11', pythonExecutable: python } },
    });
    const endpoint = uniqueName('ep');
    const scoringUri = await ns.createEndpoint(endpoint);
    const code = await ns.registerScript({
      file: 'which.py',
      source: 'import sys\n\ndef init():\n    pass\n\ndef run(mini_batch):\n    return [sys.executable]\n',
    });
    await ns.ok('PUT', `${ns.ws}/batchEndpoints/${endpoint}/deployments/main`, {
      json: {
        properties: {
          model: { referenceType: 'Id', assetId: await ns.registerModel() },
          codeConfiguration: { codeId: code[0], scoringScript: code[1] },
          environmentId: `azureml:${envName}:1`,
          miniBatchSize: 5,
          retrySettings: { maxRetries: 0, timeout: 'PT10S' },
        },
      },
    });
    await ns.setDefault(endpoint, 'main');
    const job = await ns.run(scoringUri, folderBody(await inputs(['a-1.txt'])));
    completed(job);
    assert.deepEqual(await ns.outputLines(job), [python]);
  });
});
