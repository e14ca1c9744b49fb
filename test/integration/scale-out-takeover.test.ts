/**
 * Two `nightshift serve` processes scaled out on one PostgreSQL database and one Redis, sharing a keys
 * dir (so a token from one is good at the other) and the built-in datastores' folder; each has its own
 * data dir, where a job's parts and logs are written. A job is
 * invoked through the first, which drives it; the first is killed with SIGKILL once some mini-batches have
 * succeeded. The second sees the first's driver lease lapse, takes the job over, scores again what it
 * cannot find (the first's parts were on the first's disk) and Completes it, with every input exactly once
 * in the output. Either server answers for the job at any time, and a cancel sent to the server that
 * does not drive a job is carried out by the one that does.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServeProcess, type ServeProcess } from '../helpers/cli.ts';
import { needs, POSTGRES, REDIS } from '../helpers/components.ts';
import { ownQueue } from '../helpers/redis.ts';
import {
  assertEachOnce,
  createTestDatabase,
  SLEEPY_SCRIPT,
  type TestDatabase,
} from '../helpers/scale-out.ts';
import { folderBody, Nightshift, smallFiles } from '../helpers/jobs.ts';

describe('two servers on PostgreSQL and Redis', await needs(POSTGRES, REDIS), () => {
  const root = mkdtempSync(join(tmpdir(), 'nightshift-scale-'));
  let database: TestDatabase | undefined;
  // A key prefix of the test's own: other test files' servers on the same Redis never see its tasks.
  const queue = ownQueue();
  const servers: ServeProcess[] = [];
  const config = join(root, 'config.json');

  const serve = (name: string): ServeProcess => {
    const dataDir = join(root, name);
    const server = startServeProcess(dataDir, [
      '--database',
      database?.url ?? '',
      '--queue',
      queue.url,
      '--keys-dir',
      join(root, 'keys'),
      // The built-in datastores (uploads, outputs, model and code snapshots) in one folder both see.
      '--shared-dir',
      join(root, 'shared'),
      '--config',
      config,
      '--log-format',
      'json',
    ]);
    servers.push(server);
    return server;
  };

  /** Stops a test's servers (SIGTERM), so the next test's servers are the only ones on the database. */
  const stop = async (...names: ServeProcess[]) => {
    for (const server of names) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  };

  before(async () => {
    database = await createTestDatabase();
    // Short leases: a killed server's jobs are taken over within seconds, not the default 30 s.
    writeFileSync(config, JSON.stringify({ leaseMs: 3000 }));
  });

  after(async () => {
    for (const server of servers) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    }
    await database?.drop();
    await queue.clear();
    rmSync(root, { recursive: true, force: true });
  });

  test('a cancel sent to the server that does not drive the job ends it through the one that does', async (t) => {
    const [c, d] = [serve('c'), serve('d')];
    t.after(() => stop(c, d));
    const a = await Nightshift.connect(await c.ready);
    const b = await Nightshift.connect(await d.ready);
    const files = smallFiles(40, 'x');
    await a.uploadFiles('inputs/cancel', files);
    const { scoringUri } = await a.deploy({
      script: SLEEPY_SCRIPT,
      settings: { miniBatchSize: 2, maxConcurrencyPerInstance: 1, maxRetries: 0 },
    });
    const started = await a.start(scoringUri, folderBody('inputs/cancel'));
    await b.waitUntil(started.name, (j) => j.properties.progress.miniBatches.succeeded >= 1);
    const reply = await b.request('POST', `${b.ws}/jobs/${started.name}/cancel`);
    assert.equal(reply.status, 202, reply.text);
    const job = await a.waitForJob(started.name, 30_000);
    assert.equal(job.properties.status, 'Canceled', job.properties.result ?? '');
    assert.ok(job.properties.progress.miniBatches.succeeded < job.properties.progress.miniBatches.total);
  });

  test('a job whose server is killed is taken over by the other and Completes with every row once', async () => {
    const first = serve('a');
    const a = await Nightshift.connect(await first.ready);
    const second = serve('b');
    const b = await Nightshift.connect(await second.ready);

    const files = smallFiles(40, 't');
    await a.uploadFiles('inputs/takeover', files);
    const { scoringUri } = await a.deploy({
      script: SLEEPY_SCRIPT,
      settings: { miniBatchSize: 2, maxConcurrencyPerInstance: 2, maxRetries: 0 },
    });
    const started = await a.start(scoringUri, folderBody('inputs/takeover'));
    const before = await a.waitUntil(started.name, (j) => j.properties.progress.miniBatches.succeeded >= 3);
    assert.ok(
      before.properties.progress.miniBatches.succeeded < before.properties.progress.miniBatches.total,
    );
    // The other server answers for the job too: the metadata is shared.
    const seen = await b.waitUntil(started.name, (j) => j.properties.progress.miniBatches.succeeded >= 3);
    assert.equal(seen.name, started.name);

    first.child.kill('SIGKILL');
    await first.exited;

    const job = await b.waitForJob(started.name, 60_000).catch(async (error: unknown) => {
      // A takeover that stalls is diagnosed from the survivor's own log, so it goes with the failure.
      second.child.kill('SIGTERM');
      const { stderr } = await second.exited;
      throw new Error(`${String(error)}\n--- server b's log, last lines ---\n${stderr.slice(-6000)}`);
    });
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.deepEqual(job.properties.progress.items, { total: 40, succeeded: 40, failed: 0 });
    assertEachOnce(await b.outputLines(job), Object.keys(files));
    second.child.kill('SIGTERM');
    const stopped = await second.exited;
    assert.match(stopped.stderr, /taking over a job whose server stopped/);
  });
});
