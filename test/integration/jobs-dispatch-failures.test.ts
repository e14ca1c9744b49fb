/**
 * A job never sticks in Running because one mini-batch cannot be handed to a worker. Here an input file
 * is replaced by a symlink pointing outside the datastore after the job was planned, so the datastore
 * refuses to give its local path: that attempt is recorded as a failed attempt of its mini-batch (with
 * the datastore's message), retried as `max_retries` allows, counted as failed items, and the job goes
 * on with the other mini-batches and ends. A job that cannot be planned at all when the server resumes it
 * (its input folder swapped for such a link while the server was down) fails with the reason instead of
 * waiting in Preparing for ever.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { folderBody, Nightshift, uniqueName } from '../helpers/jobs.ts';

// Holds the job's only worker on its first file until the test uploads `release` beside it, so the
// swap below happens after invoke and before the next mini-batch is dispatched.
const HOLDS_FIRST = {
  file: 'holds-first.mjs',
  source: `import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout } from 'node:timers/promises';

export async function run(miniBatch) {
  for (const file of miniBatch) {
    if (!basename(file).startsWith('1-')) continue;
    // Bounded: a test that never releases it fails this mini-batch instead of holding a worker forever.
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(dirname(file), 'release'))) {
      if (Date.now() > deadline) throw new Error('gave up after 60 s waiting for ' + join(dirname(file), 'release'));
      await setTimeout(25);
    }
  }
  return miniBatch.map((file) => basename(file));
}
`,
};

describe('a mini-batch that cannot be dispatched', () => {
  let server: TestServer;
  let ns: Nightshift;
  let outside: string;

  before(async () => {
    outside = mkdtempSync(join(tmpdir(), 'nightshift-outside-'));
    writeFileSync(join(outside, 'elsewhere.txt'), 'not in the datastore\n');
    server = await startServer();
    ns = await Nightshift.connect(server.url);
  });

  after(async () => {
    // The folder first: it goes even when the server never started.
    rmSync(outside, { recursive: true, force: true });
    await server.stop();
  });

  test('fails its attempts, and the job carries on and ends', async () => {
    const folder = `inputs/${uniqueName('swap')}`;
    await ns.uploadFiles(folder, { '1-hold.txt': 'a\n', '2-swapped.txt': 'b\n', '3-fine.txt': 'c\n' });
    const { scoringUri } = await ns.deploy({
      script: HOLDS_FIRST,
      settings: { miniBatchSize: 1, maxConcurrencyPerInstance: 1, maxRetries: 1, errorThreshold: -1 },
    });
    const started = await ns.start(scoringUri, folderBody(folder));
    await ns.waitUntil(started.name, (job) => job.properties.status === 'Running');
    const swapped = join(server.dataDir, 'datastores', 'workspaceblobstore', folder, '2-swapped.txt');
    unlinkSync(swapped);
    symlinkSync(join(outside, 'elsewhere.txt'), swapped);
    await ns.upload(`${folder}/release`, 'go\n');

    const job = await ns.waitForJob(started.name);
    assert.equal(job.properties.status, 'Completed', JSON.stringify(job.properties));
    assert.equal(job.properties.progress.items.succeeded, 2);
    assert.equal(job.properties.progress.items.failed, 1);
    const error = job.properties.error;
    assert.equal(error?.code, 'DispatchFailed', JSON.stringify(error));
    assert.equal(error.miniBatch, 1);
    assert.equal(error.file, `${folder}/2-swapped.txt`);
    assert.match(error.message, /2-swapped\.txt/);
    assert.ok(!error.message.includes(server.dataDir), error.message);
    assert.ok(!error.message.includes(outside), error.message);
    // Both attempts (max_retries 1) were recorded as failed; the others scored.
    const report = await ns.log(job.name, 'sys/job_report/processed_mini-batches.csv');
    const rows = report.trim().split('\n').slice(1);
    assert.match(rows[0] ?? '', /^0,[^,]+,succeeded,1,1,1,0,1,/);
    assert.match(rows[1] ?? '', /^1,[^,]+,failed,2,1,0,1,0,node-0,\d+,".*2-swapped\.txt.*"$/);
    assert.match(rows[2] ?? '', /^2,[^,]+,succeeded,1,1,1,0,1,/);
    assert.deepEqual((await ns.outputLines(job)).sort(), ['1-hold.txt', '3-fine.txt']);
  });
});

describe('a job that cannot be planned when it resumes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nightshift-test-'));
  const outside = mkdtempSync(join(tmpdir(), 'nightshift-outside-'));

  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  test('fails with the reason, and its mini-batches are canceled', async (t) => {
    const first = await startServer({ dataDir });
    // Stopping twice is harmless: this covers a failure before the stop below.
    t.after(() => first.stop());
    const ns = await Nightshift.connect(first.url);
    const folder = `inputs/${uniqueName('plan')}`;
    await ns.uploadFiles(folder, { '1-hold.txt': 'a\n', '2-next.txt': 'b\n' });
    const { scoringUri } = await ns.deploy({ script: HOLDS_FIRST, settings: { miniBatchSize: 1 } });
    const started = await ns.start(scoringUri, folderBody(folder));
    await ns.waitUntil(started.name, (job) => job.properties.status === 'Running');
    await first.stop();

    // While the server is down, the job's input folder becomes a link to a copy outside the datastore.
    const input = join(dataDir, 'datastores', 'workspaceblobstore', folder);
    cpSync(input, join(outside, 'copy'), { recursive: true });
    renameSync(input, join(outside, 'original'));
    symlinkSync(join(outside, 'copy'), input);

    const second = await startServer({ dataDir });
    t.after(() => second.stop());
    const again = await Nightshift.connect(second.url);
    const job = await again.waitForJob(started.name);
    assert.equal(job.properties.status, 'Failed', JSON.stringify(job.properties));
    assert.match(job.properties.result ?? '', /^The job could not start: /);
    assert.equal(job.properties.error?.code, 'PreparationFailed');
    assert.ok(job.properties.error.message.includes(folder), job.properties.error.message);
    for (const text of [job.properties.result ?? '', job.properties.error.message]) {
      assert.ok(!text.includes(dataDir) && !text.includes(outside), text);
    }
    assert.equal(
      job.properties.progress.miniBatches.pending + job.properties.progress.miniBatches.running,
      0,
    );
  });
});
