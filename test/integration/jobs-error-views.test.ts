/**
 * What a failed job shows its callers over REST (contract 9): the message, the scoring script's own
 * frames and datastore paths, and nothing of the server's machine: no frame of Nightshift's source or
 * of Node's internals, no absolute path of the data dir or of the install folder. A JS script whose
 * error names the local file it read, a CSV the ONNX scorer cannot parse, and a Python script that
 * raises with the local path each show `azureml://` URIs instead.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';
import {
  datastoreUri,
  FIXTURES_DIR,
  folderBody,
  Nightshift,
  uniqueName,
  type JobError,
} from '../helpers/jobs.ts';
import { needs, PYTHON3 } from '../helpers/components.ts';
import { REPO_ROOT } from '../helpers/repo.ts';

const READS_MISSING = {
  file: 'reads.mjs',
  source: `import { readFileSync } from 'node:fs';
export function run(miniBatch) {
  return miniBatch.map((file) => {
    if (file.includes('bad')) readFileSync(file + '.missing');
    return 'ok';
  });
}
`,
};

const PY_RAISES = {
  file: 'raises_path.py',
  source: `def init():
    pass


def run(mini_batch):
    raise FileNotFoundError("cannot open {}".format(mini_batch[0]))
`,
};

// Top level: node:test options are awaited before the suite is built.
// The script imports nothing: the interpreter is all it needs, not Debian's pandas and scikit-learn.
const python = await needs(PYTHON3);

describe('job error views', () => {
  let server: TestServer;
  let ns: Nightshift;

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
  });

  after(async () => {
    await server.stop();
  });

  /** Nothing of the server's machine in what the job view (and its listing) shows. */
  async function assertClean(name: string, error: JobError | null): Promise<JobError> {
    assert.ok(error, 'the job reports an error');
    const listed = (await ns.job(name)).properties.error;
    for (const text of [JSON.stringify(error), JSON.stringify(listed)]) {
      assert.ok(!text.includes(server.dataDir), `no data dir path: ${text}`);
      assert.ok(!text.includes(REPO_ROOT.replace(/\/$/, '')), `no install path: ${text}`);
      assert.doesNotMatch(text, /node:internal|node:fs|file:\/\/|src\/runtimes|worker-main/, text);
    }
    return error;
  }

  async function inputs(names: string[]): Promise<string> {
    const folder = `inputs/${uniqueName('ev')}`;
    await ns.uploadFiles(folder, Object.fromEntries(names.map((n) => [n, `${n}\n`])));
    return folder;
  }

  test('JS: the script frames stay, our frames go, the local file becomes its datastore URI', async () => {
    const folder = await inputs(['a.txt', 'b-bad.txt']);
    const { scoringUri } = await ns.deploy({
      script: READS_MISSING,
      settings: { miniBatchSize: 1, maxRetries: 0, errorThreshold: -1 },
    });
    const job = await ns.run(scoringUri, folderBody(folder));
    const error = await assertClean(job.name, job.properties.error);
    assert.equal(error.code, 'UserScriptError');
    assert.ok(error.message.includes(datastoreUri(`${folder}/b-bad.txt.missing`)), error.message);
    assert.match(error.stack ?? '', /at (Object\.)?run \(azureml:\/\/datastores\/[^)]*reads\.mjs:\d+:\d+\)/);
  });

  test('ONNX: a CSV the scorer cannot parse names its datastore path, with no stack of ours', async () => {
    const [header = '', row = ''] = readFileSync(
      join(FIXTURES_DIR, 'data', 'breast-cancer', 'part-0.csv'),
      'utf8',
    ).split('\n');
    const folder = `inputs/${uniqueName('evx')}`;
    await ns.uploadFiles(folder, { 'broken.csv': `${header}\n${row}\n1,2\n` });
    const model = await ns.registerModel({
      localDir: join(FIXTURES_DIR, 'models', 'breast-cancer-rf'),
      modelType: 'mlflow_model',
    });
    const { scoringUri } = await ns.deploy({ model, settings: { maxRetries: 0 } });
    const job = await ns.run(scoringUri, folderBody(folder), {}, 60_000);
    const error = await assertClean(job.name, job.properties.error);
    assert.equal(error.file, `${folder}/broken.csv`);
    assert.ok(error.message.includes(`'${datastoreUri(`${folder}/broken.csv`)}'`), error.message);
    assert.equal(error.stack, undefined, 'a stack of our reader only is not shown');
  });

  test('Python: the traceback keeps the script, with datastore URIs', python, async () => {
    const folder = await inputs(['a.txt']);
    const { scoringUri } = await ns.deploy({ script: PY_RAISES, settings: { maxRetries: 0 } });
    const job = await ns.run(scoringUri, folderBody(folder));
    const error = await assertClean(job.name, job.properties.error);
    assert.equal(error.message, `FileNotFoundError: cannot open ${datastoreUri(`${folder}/a.txt`)}`);
    assert.match(error.stack ?? '', /File "azureml:\/\/datastores\/[^"]*raises_path\.py", line 6, in run/);
  });
});
