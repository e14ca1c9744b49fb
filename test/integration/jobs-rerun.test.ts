/**
 * Rerunning an ended job, against a real server over REST and the CLI (issue 15, part 3). A job where
 * some files fail for a transient reason (the script refuses a file while a marker file outside the input
 * exists) is fixed by removing the marker, then rerun with failedOnly: the new job scores only the failed
 * mini-batches (the script's own log of what it scored proves it), takes the rest over, and writes the
 * same output as a full rerun, with a manifest naming its parent; a mini-batch that succeeded with a failed
 * item (the ONNX runtime's unreadable file) is scored again whole. A rerun is refused, naming what changed,
 * when the model, the code or a reused input file changed or a file was added; a job still running and a
 * job where nothing failed are refused with the fix; a Reader may not rerun, and an invoker may rerun only
 * the jobs it started.
 */
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { setTimeout } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';
import {
  FIXTURES_DIR,
  folderBody,
  Nightshift,
  uniqueName,
  type ErrorBody,
  type JobView,
} from '../helpers/jobs.ts';
import { runCli } from '../helpers/cli.ts';
import { authHeader, ownerTokens } from '../helpers/auth.ts';
import { grantRole, principalWithRole, type AttackServer } from '../helpers/security-principals.ts';

/**
 * Scores a file as its name and length; appends the name to the file its `log:` line names; refuses it
 * while the file its `fail-while:` line names exists, and holds it while its `hold-while:` file exists.
 */
const FLAKY = {
  file: 'flaky.ts',
  source: `import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout } from 'node:timers/promises';

const line = (text: string, key: string) => new RegExp('^' + key + ':(.*)$', 'm').exec(text)?.[1];

export async function run(miniBatch: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const file of miniBatch) {
    const text = readFileSync(file, 'utf8');
    const hold = line(text, 'hold-while');
    while (hold && existsSync(hold)) await setTimeout(50);
    const fail = line(text, 'fail-while');
    if (fail && existsSync(fail)) throw new Error('cannot score ' + basename(file) + ' yet');
    const log = line(text, 'log');
    if (log) appendFileSync(log, basename(file) + '\\n');
    out.push(basename(file) + ' ' + text.length);
  }
  return out;
}
`,
};

describe('job rerun', () => {
  let server: TestServer;
  let ns: Nightshift;
  let dir: string;

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
    dir = mkdtempSync(join(tmpdir(), 'nightshift-rerun-'));
  });

  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A folder of `n` files, those in `flaky` failing while `marker` exists; every scoring is logged to
   * `log`. Returns the folder's path in the datastore.
   */
  async function inputs(n: number, flaky: number[], marker: string, log: string): Promise<string> {
    const folder = `inputs/${uniqueName('rerun')}`;
    const files: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
      const name = `f${String(i).padStart(2, '0')}.txt`;
      files[name] = `row ${i}\nlog:${log}\n${flaky.includes(i) ? `fail-while:${marker}\n` : ''}`;
    }
    await ns.uploadFiles(folder, files);
    return folder;
  }

  /** A failed-in-part parent: 10 files in mini-batches of 2, files 3 and 8 failing (mini-batches 1 and 4). */
  async function failedParent(settings: { errorThreshold?: number } = {}) {
    const marker = join(dir, uniqueName('marker'));
    const log = join(dir, uniqueName('scored'));
    writeFileSync(marker, 'fail\n');
    const folder = await inputs(10, [3, 8], marker, log);
    const deployed = await ns.deploy({
      script: FLAKY,
      settings: { miniBatchSize: 2, maxRetries: 0, errorThreshold: settings.errorThreshold ?? -1 },
    });
    const parent = await ns.run(deployed.scoringUri, folderBody(folder));
    if (settings.errorThreshold === undefined)
      assert.deepEqual(
        parent.properties.progress.items,
        { total: 10, succeeded: 6, failed: 4 },
        JSON.stringify(parent.properties.error),
      );
    return { ...deployed, folder, marker, log, parent };
  }

  const rerunPath = (job: string, failedOnly: boolean) =>
    `${ns.ws}/jobs/${job}/rerun${failedOnly ? '?failedOnly=true' : ''}`;

  async function rerun(job: string, failedOnly: boolean): Promise<JobView> {
    const started = await ns.ok<JobView>('POST', rerunPath(job, failedOnly));
    return ns.waitForJob(started.name);
  }

  const scored = (log: string) => readFileSync(log, 'utf8').trim().split('\n').sort();

  test('failedOnly scores only what failed and writes the output of a full run, naming its parent', async () => {
    const { parent, marker, log } = await failedParent();
    rmSync(marker);
    writeFileSync(log, '');
    const child = await rerun(parent.name, true);
    assert.equal(child.properties.status, 'Completed', child.properties.result ?? '');
    assert.deepEqual(child.properties.progress.items, { total: 10, succeeded: 10, failed: 0 });
    // Mini-batches 1 (f02, f03) and 4 (f08, f09) only; the other six files' results were taken over.
    assert.deepEqual(scored(log), ['f02.txt', 'f03.txt', 'f08.txt', 'f09.txt']);
    assert.equal(child.properties.properties['nightshift.rerunOf'], parent.name);
    assert.equal(child.properties.properties['nightshift.reusedMiniBatches'], '3');
    assert.notEqual(child.properties.outputData.score.uri, parent.properties.outputData.score.uri);
    const manifest = (await ns.manifest(child)) as unknown as {
      rerunOf: { job: string; failedOnly: boolean; reusedMiniBatches: number; inputsHashed: number };
      input: { files: { path: string; sha256: string }[] };
    };
    // How many reused files were hashed depends on how long ago they were written (see the test below).
    const { inputsHashed, ...rerunOf } = manifest.rerunOf;
    assert.deepEqual(rerunOf, { job: parent.name, failedOnly: true, reusedMiniBatches: 3 });
    assert.ok(inputsHashed >= 0 && inputsHashed <= 6);
    assert.equal(manifest.input.files.length, 10);
    assert.ok(
      manifest.input.files.every((f) => f.sha256.length === 64),
      'every input has its sha256',
    );

    // A full rerun through the CLI scores everything again: the same output, row for row.
    writeFileSync(log, '');
    const cli = await runCli(['job', 'rerun', '--name', parent.name, '-o', 'json'], { server: server.url });
    assert.equal(cli.code, 0, cli.stderr);
    const full = await ns.waitForJob((JSON.parse(cli.stdout) as { name: string }).name);
    assert.equal(full.properties.status, 'Completed', full.properties.result ?? '');
    assert.equal(scored(log).length, 10, 'a full rerun scores every file');
    assert.equal(full.properties.properties['nightshift.rerunFailedOnly'], 'false');
    const expected = await ns.outputLines(full);
    assert.equal(expected.length, 10);
    assert.deepEqual(await ns.outputLines(child), expected);

    // Nothing failed in the full rerun: a failed-only rerun of it has nothing to do, and says so.
    const none = await ns.request<ErrorBody>('POST', rerunPath(full.name, true));
    assert.equal(none.status, 409, none.text);
    assert.match(none.body.error.message, /Nothing failed in job .*without --failed-only/);
  });

  test('the CLI reruns what failed after an error threshold ended the job, canceled mini-batches included', async () => {
    const { parent, marker } = await failedParent({ errorThreshold: 0 });
    assert.equal(parent.properties.status, 'Failed');
    rmSync(marker);
    const cli = await runCli(['job', 'rerun', '--name', parent.name, '--failed-only', '-o', 'json'], {
      server: server.url,
    });
    assert.equal(cli.code, 0, cli.stderr);
    const child = await ns.waitForJob((JSON.parse(cli.stdout) as { name: string }).name);
    assert.equal(child.properties.status, 'Completed', child.properties.result ?? '');
    const lines = await ns.outputLines(child);
    assert.deepEqual(
      lines.map((l) => l.split(' ')[0]),
      Array.from({ length: 10 }, (_, i) => `f${String(i).padStart(2, '0')}.txt`),
    );
  });

  test('a mini-batch that succeeded with a failed item (ONNX, an unreadable file) is scored again whole', async () => {
    const sample = join(FIXTURES_DIR, 'data', 'breast-cancer');
    const folder = `inputs/${uniqueName('onnx')}`;
    const part = (n: number) => readFileSync(join(sample, `part-${n}.csv`));
    // Mini-batches of 2: [part-0, part-1] and [part-2, part-3], part-3 empty (no header row: its item fails).
    await ns.uploadFiles(folder, { 'part-0.csv': part(0), 'part-1.csv': part(1), 'part-2.csv': part(2) });
    await ns.upload(`${folder}/part-3.csv`, '');
    const model = await ns.registerModel({
      localDir: join(FIXTURES_DIR, 'models', 'breast-cancer-rf'),
      modelType: 'mlflow_model',
    });
    const { scoringUri } = await ns.deploy({ model, settings: { miniBatchSize: 2 } });
    const parent = await ns.run(scoringUri, folderBody(folder), {}, 60_000);
    assert.equal(parent.properties.status, 'Completed', parent.properties.result ?? '');
    assert.deepEqual(parent.properties.progress.items, { total: 4, succeeded: 3, failed: 1 });
    assert.equal(parent.properties.progress.miniBatches.failed, 0, 'the item failed, not its mini-batch');
    await ns.upload(`${folder}/part-3.csv`, part(3));
    const child = await rerun(parent.name, true);
    assert.equal(child.properties.status, 'Completed', child.properties.result ?? '');
    assert.deepEqual(child.properties.progress.items, { total: 4, succeeded: 4, failed: 0 });
    assert.equal(child.properties.properties['nightshift.reusedMiniBatches'], '1');
    const full = await rerun(parent.name, false);
    assert.deepEqual(await ns.outputLines(child), await ns.outputLines(full));
  });

  test('a failed big CSV is scored again in row ranges on both workers, with the output of scoring it whole', async () => {
    const sample = readFileSync(join(FIXTURES_DIR, 'data', 'breast-cancer', 'part-0.csv'), 'utf8');
    const [header, ...rows] = sample.trimEnd().split('\n');
    // About 2.4 MB: big enough for two ranges of at least 1 MiB (rerun-spread.ts).
    const big = `${[header, ...Array.from({ length: 80 }, () => rows).flat()].join('\n')}\n`;
    const folder = `inputs/${uniqueName('spread')}`;
    await ns.uploadFiles(folder, { 'part-0.csv': sample, 'part-1.csv': '', 'part-2.csv': sample });
    const model = await ns.registerModel({
      localDir: join(FIXTURES_DIR, 'models', 'breast-cancer-rf'),
      modelType: 'mlflow_model',
    });
    const settings = { miniBatchSize: 1, maxConcurrencyPerInstance: 2, maxRetries: 0 };
    const { scoringUri } = await ns.deploy({ model, settings });
    const parent = await ns.run(scoringUri, folderBody(folder), {}, 60_000);
    assert.deepEqual(
      parent.properties.progress.items,
      { total: 3, succeeded: 2, failed: 1 },
      JSON.stringify(parent.properties.error),
    );
    await ns.upload(`${folder}/part-1.csv`, big);
    const child = await rerun(parent.name, true);
    assert.equal(child.properties.status, 'Completed', child.properties.result ?? '');
    // part-1.csv is two ranges now, each an item and a mini-batch of its own, scored by a worker each.
    assert.deepEqual(child.properties.progress.items, { total: 4, succeeded: 4, failed: 0 });
    assert.equal(child.properties.properties['nightshift.reusedMiniBatches'], '2');
    const processed = (await ns.log(child.name, 'sys/job_report/processed_mini-batches.csv'))
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[8] ?? '');
    assert.deepEqual(
      processed.map((worker) => worker.startsWith('reused:')),
      [true, false, false, true],
      'mini-batches 1 and 2 are the two ranges, scored here; 0 and 3 taken over',
    );
    const full = await rerun(parent.name, false);
    const lines = await ns.outputLines(full);
    assert.equal(lines.length, 82 * rows.length);
    assert.deepEqual(await ns.outputLines(child), lines);
    const manifest = await ns.manifest(child);
    const files = (manifest as unknown as { input: { files: { path: string; sha256: string }[] } }).input
      .files;
    const digest = files.find((f) => f.path.endsWith('part-1.csv'))?.sha256;
    assert.equal(digest, createHash('sha256').update(big).digest('hex'), 'the cut pass hashed the file');
  });

  test('refused, naming what changed: a reused input file, an added file, the model, the code', async () => {
    const { parent, marker, folder, endpoint, deployment } = await failedParent();
    rmSync(marker);
    const refused = async (pattern: RegExp, code: string) => {
      const reply = await ns.request<ErrorBody>('POST', rerunPath(parent.name, true));
      assert.equal(reply.status, 409, reply.text);
      assert.equal(reply.body.error.code, code);
      assert.match(reply.body.error.message, pattern);
    };
    // A failed file may change (that is how a bad input is fixed); a reused one may not.
    const original = await ns.readFile(`azureml://datastores/workspaceblobstore/paths/${folder}/f05.txt`);
    await ns.upload(`${folder}/f05.txt`, 'changed\n');
    await refused(/input changed .*f05\.txt changed/, 'RerunInputChanged');
    await ns.upload(`${folder}/f05.txt`, original ?? '');
    await ns.upload(`${folder}/f10.txt`, 'new\n');
    await refused(/f10\.txt were added/, 'RerunInputChanged');
    // The model and code are checked before the input: the added file does not hide them.

    const view = await ns.ok<{ properties: Record<string, unknown> }>(
      'GET',
      `${ns.ws}/batchEndpoints/${endpoint}/deployments/${deployment}`,
    );
    const code = await ns.registerScript({ ...FLAKY, source: `${FLAKY.source}// changed\n` });
    const withCode = {
      properties: { ...view.properties, codeConfiguration: { codeId: code[0], scoringScript: code[1] } },
    };
    await ns.ok('PUT', `${ns.ws}/batchEndpoints/${endpoint}/deployments/${deployment}`, { json: withCode });
    await refused(/The code changed since job/, 'RerunCodeChanged');
    // Another version of the same bytes is the same model; other bytes are not.
    const modelDir = mkdtempSync(join(dir, 'model-'));
    writeFileSync(join(modelDir, 'model.txt'), 'another model\n');
    const model = await ns.registerModel({ localDir: modelDir });
    const withModel = {
      properties: { ...withCode.properties, model: { referenceType: 'Id', assetId: model } },
    };
    await ns.ok('PUT', `${ns.ws}/batchEndpoints/${endpoint}/deployments/${deployment}`, { json: withModel });
    await refused(/The model changed since job/, 'RerunModelChanged');
    // A full rerun scores with what the deployment has now, so it is not refused.
    const full = await rerun(parent.name, false);
    assert.equal(full.properties.status, 'Completed', full.properties.result ?? '');
  });

  test('unchanged reused files are vouched for by fingerprint; one rewritten in place with utimes is hashed', async () => {
    const marker = join(dir, uniqueName('marker'));
    const log = join(dir, uniqueName('scored'));
    writeFileSync(marker, 'fail\n');
    const folder = await inputs(10, [3, 8], marker, log);
    // f05's modification time on a whole second, so utimes can put it back exactly (to the nanosecond).
    const file = join(server.dataDir, 'datastores', 'workspaceblobstore', folder, 'f05.txt');
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    // Files written within a second before the invocation get no fingerprint (their coarse ctime could
    // hide a second write in the same clock tick): wait past that, as files usually are older.
    await setTimeout(1100);
    const deployed = await ns.deploy({ script: FLAKY, settings: { miniBatchSize: 2, maxRetries: 0 } });
    const parent = await ns.run(deployed.scoringUri, folderBody(folder));
    assert.equal(parent.properties.progress.items.failed, 4);
    rmSync(marker);
    const hashed = async (job: JobView) =>
      ((await ns.manifest(job)) as unknown as { rerunOf: { inputsHashed: number } }).rerunOf.inputsHashed;

    // f05 (reused) rewritten in place: same size, same inode, its modification time put back.
    const original = readFileSync(file, 'utf8');
    const was = statSync(file, { bigint: true });
    const rewrite = (text: string) => {
      writeFileSync(file, text); // In place: the same inode, truncated and written.
      utimesSync(file, 1_700_000_000, 1_700_000_000);
    };
    rewrite(original.replace('row 5', 'row 6'));
    const now = statSync(file, { bigint: true });
    assert.deepEqual([now.ino, now.size, now.mtimeNs], [was.ino, was.size, was.mtimeNs]);
    const reply = await ns.request<ErrorBody>('POST', rerunPath(parent.name, true));
    assert.equal(reply.status, 409, reply.text);
    assert.equal(reply.body.error.code, 'RerunInputChanged');
    assert.match(reply.body.error.message, /f05\.txt changed \(sha256\)/);

    // The bytes put back: its fingerprint still differs, so it alone is hashed, found equal, and reused.
    rewrite(original);
    const child = await rerun(parent.name, true);
    assert.equal(child.properties.status, 'Completed', child.properties.result ?? '');
    assert.equal(await hashed(child), 1, 'only the rewritten file was hashed again');

    // Another failed job over the same files, a second after the last write: its rerun hashes none.
    await setTimeout(1100);
    writeFileSync(marker, 'fail\n');
    const failing = await ns.run(deployed.scoringUri, folderBody(folder));
    rmSync(marker);
    const again = await rerun(failing.name, true);
    assert.equal(again.properties.status, 'Completed', again.properties.result ?? '');
    assert.equal(await hashed(again), 0, 'no reused file was read again');
  });

  test('a job still running is refused with the fix', async () => {
    const hold = join(dir, uniqueName('hold'));
    writeFileSync(hold, 'hold\n');
    const folder = `inputs/${uniqueName('held')}`;
    await ns.uploadFiles(folder, { 'a.txt': `hold-while:${hold}\n` });
    const { scoringUri } = await ns.deploy({ script: FLAKY });
    const job = await ns.start(scoringUri, folderBody(folder));
    const reply = await ns.request<ErrorBody>('POST', rerunPath(job.name, true));
    assert.equal(reply.status, 409, reply.text);
    assert.equal(reply.body.error.code, 'JobNotEnded');
    assert.match(reply.body.error.message, /only an ended job can be rerun.*nightshift job cancel --name/);
    rmSync(hold);
    assert.equal((await ns.waitForJob(job.name)).properties.status, 'Completed');
  });

  test('a Reader may not rerun; an invoker may rerun its own jobs only', async () => {
    const { parent, marker, scoringUri, endpoint, folder } = await failedParent();
    rmSync(marker);
    const owner = ownerTokens(server.url);
    const shim = {
      url: server.url,
      ws: ns.ws,
      owner: (path: string) => authHeader(owner, path),
    } as unknown as AttackServer;
    const reader = ns.as((await principalWithRole(shim, 'Reader')).tokens);
    const before = await ns.jobCount();
    for (const path of [rerunPath(parent.name, true), `/endpoints/${endpoint}/jobs/${parent.name}/rerun`]) {
      const reply = await reader.request<ErrorBody>('POST', path);
      assert.equal(reply.status, 403, reply.text);
    }
    const sp = await principalWithRole(shim, 'Batch Endpoint Invoker');
    await grantRole(shim, sp.appId, 'Storage Blob Data Contributor', ns.ws);
    const invoker = ns.as(sp.tokens);
    const theirs = await invoker.request<ErrorBody>('POST', rerunPath(parent.name, true));
    assert.equal(theirs.status, 403, theirs.text);
    assert.equal(await ns.jobCount(), before, 'no job was started by a refused rerun');
    // Its own job it may rerun, as it may invoke.
    writeFileSync(marker, 'fail\n');
    const own = await invoker.ok<JobView>('POST', scoringUri, { json: folderBody(folder) });
    assert.equal((await ns.waitForJob(own.name)).properties.progress.items.failed, 4);
    rmSync(marker);
    const mine = await invoker.ok<JobView>('POST', rerunPath(own.name, true));
    assert.equal((await ns.waitForJob(mine.name)).properties.status, 'Completed');
    // The data plane path, as the owner: the scoring URI's rerun.
    const started = await ns.ok<JobView>('POST', `${scoringUri}/${parent.name}/rerun?failedOnly=true`);
    const child = await ns.waitForJob(started.name);
    assert.equal(child.properties.status, 'Completed', child.properties.result ?? '');
  });
});
