/**
 * The server-wide worker cap, against a real server started with `NIGHTSHIFT_MAX_WORKERS=2`. A first
 * job (two instances of two workers asked for, so it takes both permits) blocks in run() until the test
 * lets it go; six more jobs invoked meanwhile wait `Queued`, and one of them is canceled while it waits.
 * Then every other job completes, they start in the order they were invoked (FIFO by job), and the
 * worker processes of the server, sampled from /proc the whole time, never number more than the cap.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.ts';
import { folderBody, Nightshift, smallFiles, type JobView } from '../helpers/jobs.ts';
import { childrenRunning } from '../helpers/processes.ts';

const GATED_SCRIPT = {
  file: 'gated.mjs',
  source: `import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
export async function run(miniBatch) {
  // Bounded: a test that never opens the gate fails its job instead of holding a worker forever.
  const deadline = Date.now() + 60_000;
  while (!existsSync(process.env.GATE_FILE)) {
    if (Date.now() > deadline) throw new Error('gave up after 60 s waiting for GATE_FILE ' + process.env.GATE_FILE);
    await sleep(20);
  }
  return miniBatch.map((file) => basename(file));
}
`,
};

type Timed = JobView & { properties: { startTime: string | null } };

describe('the worker cap', () => {
  let server: TestServer;
  let ns: Nightshift;
  let peak = 0;
  let sampler: NodeJS.Timeout | undefined;

  before(async () => {
    server = await startServer({ env: { NIGHTSHIFT_MAX_WORKERS: '2', NIGHTSHIFT_SPARE_WORKERS: '2' } });
    ns = await Nightshift.connect(server.url);
    sampler = setInterval(() => {
      peak = Math.max(peak, childrenRunning(process.pid, 'worker-main').length);
    }, 5);
  });

  after(async () => {
    clearInterval(sampler);
    await server.stop();
  });

  test('jobs past the cap wait Queued, start in turn, and all complete', async () => {
    const gate = join(server.dataDir, 'gate');
    const folder = 'inputs/capacity';
    await ns.uploadFiles(folder, smallFiles(3, 'c'));
    const { scoringUri } = await ns.deploy({
      script: GATED_SCRIPT,
      settings: {
        miniBatchSize: 1,
        instanceCount: 2,
        maxConcurrencyPerInstance: 2,
        environmentVariables: { GATE_FILE: gate },
      },
    });
    const first = await ns.start(scoringUri, folderBody(folder));
    await ns.waitUntil(first.name, (job) => job.properties.status === 'Running');
    const rest: JobView[] = [];
    for (let i = 0; i < 6; i++) rest.push(await ns.start(scoringUri, folderBody(folder)));
    for (const job of rest) await ns.waitUntil(job.name, (j) => j.properties.status === 'Queued');
    assert.equal(server.app.scheduler.capacity.inUse(), 2, 'the first job holds both workers');
    const canceled = rest.splice(2, 1)[0]?.name ?? '';
    assert.equal((await ns.request('POST', `${ns.ws}/jobs/${canceled}/cancel`)).status, 202);
    const gone = await ns.waitForJob(canceled);
    assert.equal(gone.properties.status, 'Canceled');
    assert.equal(gone.properties.progress.items.succeeded, 0);

    writeFileSync(gate, '');
    const ended: Timed[] = [];
    for (const job of [first, ...rest]) ended.push((await ns.waitForJob(job.name, 60_000)) as Timed);
    for (const job of ended) {
      assert.equal(job.properties.status, 'Completed', `${job.name}: ${job.properties.result ?? ''}`);
      assert.deepEqual(job.properties.progress.items, { total: 3, succeeded: 3, failed: 0 });
    }
    const starts = ended.map((job) => job.properties.startTime ?? '');
    assert.deepEqual([...starts].sort(), starts, 'jobs started in the order they were invoked');

    clearInterval(sampler);
    assert.ok(peak >= 1, 'the sampler saw the workers');
    assert.ok(peak <= 2, `at most 2 worker processes at once, saw ${peak}`);
    assert.equal(server.app.scheduler.capacity.peak(), 2, 'the cap was reached, never passed');
  });
});
