/**
 * Triggers with real `nightshift serve` processes. A server is killed with SIGKILL right after its tumbling
 * window trigger fired and is started again on the same data dir: every window has exactly one trigger run
 * and one pipeline run (the run the kill interrupted ends Failed, as runs are not resumed; the firing is not
 * repeated), and the windows after it run on the restarted server. Then two servers on one PostgreSQL
 * database both run the trigger loop, and each window still fires once.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServeProcess, type ServeProcess } from '../helpers/cli.ts';
import { needs, POSTGRES, REDIS } from '../helpers/components.ts';
import { ownQueue } from '../helpers/redis.ts';
import { factoryPath } from '../helpers/factory.ts';
import { Nightshift } from '../helpers/jobs.ts';
import { createTestDatabase } from '../helpers/scale-out.ts';
import { waitFor } from '../helpers/wait.ts';

interface TriggerRun {
  triggerRunId: string;
  status: string;
  pipelineRunId: string;
  properties: Record<string, string>;
}

const root = mkdtempSync(join(tmpdir(), 'nightshift-trigger-procs-'));
const servers: ServeProcess[] = [];
after(async () => {
  for (const server of servers) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }
  rmSync(root, { recursive: true, force: true });
});

function serve(dataDir: string, extra: string[] = []): ServeProcess {
  const server = startServeProcess(dataDir, extra);
  servers.push(server);
  return server;
}

/** A pipeline that takes a couple of seconds: the kill lands while its run is in progress. */
const SLOW = {
  properties: {
    parameters: { window: { type: 'string' } },
    activities: [{ name: 'Work', type: 'Wait', typeProperties: { waitTimeInSeconds: 2 } }],
  },
};

/** Six one-minute windows, all in the past, one at a time. */
function backfill(concurrency: number) {
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  return {
    properties: {
      type: 'TumblingWindowTrigger',
      typeProperties: {
        frequency: 'Minute',
        interval: 1,
        startTime: new Date(minute - 6 * 60_000).toISOString(),
        endTime: new Date(minute).toISOString(),
        maxConcurrency: concurrency,
      },
      pipeline: {
        pipelineReference: { referenceName: 'Slow' },
        parameters: { window: '@trigger().outputs.windowStartTime' },
      },
    },
  };
}

async function setUp(ns: Nightshift, concurrency: number): Promise<string> {
  const df = factoryPath(ns.ws);
  await ns.ok('PUT', `${df}/pipelines/Slow`, { json: SLOW });
  await ns.ok('PUT', `${df}/triggers/backfill`, { json: backfill(concurrency) });
  await ns.ok('POST', `${df}/triggers/backfill/start`);
  return df;
}

async function runsOf(ns: Nightshift): Promise<TriggerRun[]> {
  const reply = await ns.ok<{ value: TriggerRun[] }>('POST', `${factoryPath(ns.ws)}/queryTriggerRuns`, {
    json: { lastUpdatedAfter: '2000-01-01T00:00:00Z', lastUpdatedBefore: '2100-01-01T00:00:00Z' },
  });
  return reply.value;
}

/** Each of the six windows once, each with its own pipeline run, and that run exists. */
async function assertEachWindowOnce(ns: Nightshift, runs: TriggerRun[]): Promise<string[]> {
  const windows = runs.map((r) => r.properties['WindowStartTime']);
  assert.equal(new Set(windows).size, 6, JSON.stringify(windows));
  assert.equal(runs.length, 6);
  assert.equal(new Set(runs.map((r) => r.pipelineRunId)).size, 6);
  const statuses: string[] = [];
  for (const run of runs) {
    const pipeline = await ns.ok<{ status: string; parameters: Record<string, string> }>(
      'GET',
      `${factoryPath(ns.ws)}/pipelineruns/${run.pipelineRunId}`,
    );
    assert.equal(pipeline.parameters['window'], run.properties['WindowStartTime']);
    statuses.push(pipeline.status);
  }
  const all = await ns.ok<{ value: { pipelineName: string }[] }>(
    'POST',
    `${factoryPath(ns.ws)}/queryPipelineRuns`,
    {
      json: {},
    },
  );
  assert.equal(all.value.filter((r) => r.pipelineName === 'Slow').length, 6);
  return statuses;
}

test('a server killed as its trigger fires neither misses nor doubles a window after a restart', async () => {
  const dataDir = join(root, 'crash');
  const first = serve(dataDir);
  const ns = await Nightshift.connect(await first.ready);
  await setUp(ns, 1);
  await waitFor('the first window to fire', () => runsOf(ns), {
    until: (r) => r.length >= 1,
    intervalMs: 10,
  });
  first.child.kill('SIGKILL');
  await first.exited;
  const second = serve(dataDir);
  const again = await Nightshift.connect(await second.ready);
  const runs = await waitFor('six windows to end', () => runsOf(again), {
    until: (r) => r.length === 6 && r.every((x) => x.status !== 'Inprogress'),
    timeoutMs: 120_000,
    intervalMs: 250,
  });
  const statuses = await assertEachWindowOnce(again, runs);
  // Only the run the kill interrupted failed; the rest ran on the restarted server.
  assert.ok(statuses.filter((s) => s === 'Failed').length <= 1, statuses.join());
  assert.ok(statuses.filter((s) => s === 'Succeeded').length >= 5, statuses.join());
});

describe('two servers on one PostgreSQL database', await needs(POSTGRES, REDIS), () => {
  test('fire each window once', async (t) => {
    const database = await createTestDatabase();
    // A key prefix of the test's own: other test files' servers on the same Redis never see its tasks.
    const queue = ownQueue();
    const started: ServeProcess[] = [];
    t.after(async () => {
      for (const server of started) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      await database.drop();
      await queue.clear();
    });
    const shared = (name: string) =>
      serve(join(root, name), [
        '--database',
        database.url,
        '--queue',
        queue.url,
        '--keys-dir',
        join(root, 'keys'),
        '--shared-dir',
        join(root, 'shared'),
      ]);
    const a = shared('a');
    started.push(a);
    const urlA = await a.ready;
    const b = shared('b');
    started.push(b);
    const urlB = await b.ready;
    const ns = await Nightshift.connect(urlA);
    await setUp(ns, 3);
    const runs = await waitFor('six windows to succeed', () => runsOf(ns), {
      until: (r) => r.length >= 6 && r.every((x) => x.status === 'Succeeded'),
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    const statuses = await assertEachWindowOnce(ns, runs);
    assert.deepEqual(new Set(statuses), new Set(['Succeeded']));
    const fromB = await runsOf(await Nightshift.connect(urlB));
    assert.equal(fromB.length, 6);
  });
});
