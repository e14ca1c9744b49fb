/**
 * What a failed job's log tree shows over REST (`GET {ws}/jobs/{job}/logs/...`): anyone who may read
 * the job may read its logs, so the errors the worker pool writes there (logs/user/error/..., the
 * summary lines) carry the same rewrites as the job's error view: the script's own frames by datastore
 * URI, no frame of Nightshift's source or of Node's internals, no absolute path of the server (the
 * install folder, the data dir, node_modules). A JS script, a Python script and the ONNX scorer each
 * fail with errors that name the local files they read; every log file is read back and searched.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';
import { needs, PYTHON3 } from '../helpers/components.ts';
import { datastoreUri, FIXTURES_DIR, folderBody, Nightshift, uniqueName } from '../helpers/jobs.ts';
import { REPO_ROOT } from '../helpers/repo.ts';

const JS_FAILS = {
  file: 'fails.mjs',
  source: `export function init() {}
export function run(miniBatch) {
  return miniBatch.map((file) => {
    if (file.includes('bad')) throw new Error('cannot score ' + file);
    return 'ok';
  });
}
`,
};

const PY_FAILS = {
  file: 'fails_path.py',
  source: `def init():
    pass


def run(mini_batch):
    raise FileNotFoundError("cannot open {}".format(mini_batch[0]))
`,
};

// The script imports nothing: the interpreter is all it needs, not Debian's pandas and scikit-learn.
const python = await needs(PYTHON3);

describe('job log views', () => {
  let server: TestServer;
  let ns: Nightshift;

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
  });

  after(async () => {
    await server.stop();
  });

  /** Every log file of the job, read through REST, free of the server's paths; returns the error log. */
  async function assertLogsClean(job: string): Promise<string> {
    const paths = await ns.logs(job);
    assert.ok(paths.length > 0, 'the job has logs');
    const forbidden = [server.dataDir, REPO_ROOT.replace(/\/$/, ''), 'node_modules', 'node:internal'];
    for (const path of paths) {
      const text = await ns.log(job, path);
      for (const needle of forbidden) assert.ok(!text.includes(needle), `${path} shows ${needle}:\n${text}`);
      assert.doesNotMatch(text, /file:\/\/|src\/runtimes|src\/engine|worker-main/, `${path}:\n${text}`);
    }
    const errors = await ns.logsUnder(job, 'user/error/');
    assert.notEqual(errors, '', 'the failure is in logs/user/error');
    return errors;
  }

  async function inputs(names: string[]): Promise<string> {
    const folder = `inputs/${uniqueName('lv')}`;
    await ns.uploadFiles(folder, Object.fromEntries(names.map((n) => [n, `${n}\n`])));
    return folder;
  }

  test('JS: the error log shows the script frame and the input by datastore URI', async () => {
    const folder = await inputs(['a.txt', 'b-bad.txt']);
    const { scoringUri } = await ns.deploy({
      script: JS_FAILS,
      settings: { miniBatchSize: 2, maxRetries: 0 },
    });
    const job = await ns.run(scoringUri, folderBody(folder));
    assert.equal(job.properties.status, 'Failed');
    const errors = await assertLogsClean(job.name);
    assert.ok(errors.includes(`Error: cannot score ${datastoreUri(`${folder}/b-bad.txt`)}`), errors);
    assert.match(errors, /\n {4}at .*\(azureml:\/\/datastores\/[^)]*fails\.mjs:\d+:\d+\)\n/);
  });

  test('Python: the error log keeps the traceback of the script, with datastore URIs', python, async () => {
    const folder = await inputs(['a.txt']);
    const { scoringUri } = await ns.deploy({ script: PY_FAILS, settings: { maxRetries: 0 } });
    const job = await ns.run(scoringUri, folderBody(folder));
    assert.equal(job.properties.status, 'Failed');
    const errors = await assertLogsClean(job.name);
    assert.match(errors, /File "azureml:\/\/datastores\/[^"]*fails_path\.py", line 6, in run/);
    assert.ok(errors.includes(`FileNotFoundError: cannot open ${datastoreUri(`${folder}/a.txt`)}`), errors);
  });

  test('ONNX: a failed item is logged by its datastore URI', async () => {
    const [header = '', row = ''] = readFileSync(
      join(FIXTURES_DIR, 'data', 'breast-cancer', 'part-0.csv'),
      'utf8',
    ).split('\n');
    const folder = `inputs/${uniqueName('lvx')}`;
    await ns.uploadFiles(folder, { 'broken.csv': `${header}\n${row}\n1,2\n` });
    const model = await ns.registerModel({
      localDir: join(FIXTURES_DIR, 'models', 'breast-cancer-rf'),
      modelType: 'mlflow_model',
    });
    const { scoringUri } = await ns.deploy({ model, settings: { maxRetries: 0 } });
    const job = await ns.run(scoringUri, folderBody(folder), {}, 60_000);
    const errors = await assertLogsClean(job.name);
    const uri = datastoreUri(`${folder}/broken.csv`);
    assert.ok(errors.includes(`: item ${uri} failed on node-0/process0:\n`), errors);
    assert.ok(errors.includes(`Error processing input file: '${uri}'. Line 3`), errors);
  });
});
