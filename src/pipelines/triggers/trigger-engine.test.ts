/**
 * The trigger loop on a virtual clock against a real SQLite store: a year of a daily ScheduleTrigger in a
 * zone with DST (the spring gap and the autumn overlap), two loops on one store firing each time once, a
 * firing recorded and never started (its server "died") recovered without doubling, tumbling windows
 * backfilled at most maxConcurrency at once with retries and a dependency, and storage events fired once
 * per new file. The pipeline service is replaced by a starter that runs on the same clock.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { createLocalFolderDatastore } from '../../storage/local/local-folder.ts';
import { createExpressionEngine } from '../expressions/engine.ts';
import { VirtualClock } from '../time/virtual-clock.ts';
import { TRIGGER_KIND, type StoredTrigger } from './definition.ts';
import { createTriggerEngine, type TriggerEngine } from './trigger-engine.ts';
import type { RunPlan, TriggerInfo, TriggeredRunStarter } from './trigger-runs.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nightshift-triggers-'));
  dirs.push(dir);
  return dir;
}

interface FakeRun {
  plan: RunPlan;
  trigger: TriggerInfo;
  status: string;
  startMs: number;
  endMs?: number;
  done: Promise<void>;
}

/** Runs every pipeline for `durationMs` of the clock; `fails(plan, attemptOfWindow)` makes one fail. */
function fakeStarter(clock: VirtualClock, durationMs = 0, fails: (run: FakeRun) => boolean = () => false) {
  const runs = new Map<string, FakeRun>();
  let running = 0;
  let maxRunning = 0;
  const starter: TriggeredRunStarter = {
    start(plan, trigger) {
      assert.ok(!runs.has(plan.runId), `run ${plan.runId} started twice`);
      const run: FakeRun = {
        plan,
        trigger,
        status: 'InProgress',
        startMs: clock.now().getTime(),
        done: Promise.resolve(),
      };
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      run.done = clock.sleep(durationMs).then(() => {
        running -= 1;
        run.status = fails(run) ? 'Failed' : 'Succeeded';
        run.endMs = clock.now().getTime();
      });
      runs.set(plan.runId, run);
      return Promise.resolve();
    },
    status(runId) {
      const run = runs.get(runId);
      return Promise.resolve(
        run && { status: run.status, ...(run.endMs === undefined ? {} : { endMs: run.endMs }) },
      );
    },
    finished: (runId) => runs.get(runId)?.done,
  };
  return { starter, runs, maxRunning: () => maxRunning };
}

function setup(start: string) {
  const dir = tempDir();
  const store = createSqliteStore(join(dir, 'meta.db'));
  after(() => store.close());
  const clock = new VirtualClock({ start: new Date(start) });
  return { dir, store, clock, repo: store.resources };
}

function engineFor(
  env: ReturnType<typeof setup>,
  starter: TriggeredRunStarter,
  extra: Partial<Parameters<typeof createTriggerEngine>[0]> = {},
): TriggerEngine {
  return createTriggerEngine({
    repo: env.repo,
    clock: env.clock,
    starter,
    expressions: createExpressionEngine(),
    factoryName: 'ws',
    owner: extra.owner ?? 'server-a',
    datastore: () => Promise.resolve(createLocalFolderDatastore(env.dir)),
    pollMs: 30 * 86_400_000,
    recoverAfterMs: 60_000,
    onError: (error) => {
      throw error;
    },
    ...extra,
  });
}

async function addTrigger(
  env: ReturnType<typeof setup>,
  name: string,
  properties: Record<string, unknown>,
): Promise<void> {
  const doc: StoredTrigger = {
    name,
    properties,
    runtimeState: 'Started',
    generation: `gen-${name}`,
    startedAtMs: env.clock.now().getTime(),
    etag: 'e',
    createdAt: env.clock.now().toISOString(),
    lastModifiedAt: env.clock.now().toISOString(),
    createdBy: 'test',
  };
  assert.ok(await env.repo.insert(TRIGGER_KIND, { name }, doc));
}

/** Lets the clock run until `done()` holds. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000_000 && !done(); i += 1) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(done(), 'the condition never held');
}

const DAILY = {
  type: 'ScheduleTrigger',
  typeProperties: {
    recurrence: {
      frequency: 'Day',
      interval: 1,
      startTime: '2024-01-01T02:30:00',
      endTime: '2024-12-31T23:00:00',
      timeZone: 'W. Europe Standard Time',
    },
  },
  pipelines: [
    {
      pipelineReference: { referenceName: 'Nightly', type: 'PipelineReference' },
      parameters: { when: '@trigger().scheduledTime', started: '@trigger().startTime' },
    },
  ],
};

test('a daily trigger fires 366 times in 2024 at 02:30 Berlin time, once in the DST gap and the overlap', async () => {
  const env = setup('2024-01-01T00:00:00Z');
  const fake = fakeStarter(env.clock);
  await addTrigger(env, 'nightly', DAILY);
  const engine = engineFor(env, fake.starter);
  engine.start();
  await until(() => fake.runs.size === 366);
  await engine.stop();
  const times = [...fake.runs.values()].map((r) => r.trigger.time.toISOString()).sort();
  assert.equal(new Set(times).size, 366);
  assert.equal(times[0], '2024-01-01T01:30:00.000Z');
  // Spring forward (31 March, 02:00 → 03:00): 02:30 does not exist, the run is at 03:00 CEST.
  assert.ok(times.includes('2024-03-30T01:30:00.000Z'));
  assert.ok(times.includes('2024-03-31T01:00:00.000Z'));
  assert.ok(times.includes('2024-04-01T00:30:00.000Z'));
  // Fall back (27 October, 03:00 → 02:00): 02:30 happens twice, the run is at the first (CEST).
  assert.ok(times.includes('2024-10-27T00:30:00.000Z'));
  assert.ok(!times.includes('2024-10-27T01:30:00.000Z'));
  assert.ok(times.includes('2024-10-28T01:30:00.000Z'));
  const first = [...fake.runs.values()].find(
    (r) => r.trigger.time.toISOString() === '2024-03-31T01:00:00.000Z',
  );
  assert.ok(first);
  assert.equal(first.plan.parameters['when'], '2024-03-31T01:00:00.0000000Z');
  assert.equal(first.trigger.type, 'ScheduleTrigger');
  assert.equal(first.trigger.name, 'nightly');
});

test('two loops on one store fire every occurrence once', async () => {
  const env = setup('2024-01-01T00:00:00Z');
  const fake = fakeStarter(env.clock);
  await addTrigger(env, 'nightly', {
    ...DAILY,
    typeProperties: { recurrence: { ...DAILY.typeProperties.recurrence, endTime: '2024-02-29T23:00:00' } },
  });
  const a = engineFor(env, fake.starter, { owner: 'a' });
  const b = engineFor(env, fake.starter, { owner: 'b' });
  a.start();
  b.start();
  await until(() => fake.runs.size === 60);
  await Promise.all([a.stop(), b.stop()]);
  const runs = await env.repo.list<{ owner: string }>('triggerRun', { scope: 'nightly' });
  assert.equal(runs.length, 60);
});

test('a firing recorded by a server that died before starting it is started once by another', async () => {
  const env = setup('2024-01-01T00:00:00Z');
  const fake = fakeStarter(env.clock);
  await addTrigger(env, 'nightly', {
    ...DAILY,
    typeProperties: { recurrence: { ...DAILY.typeProperties.recurrence, endTime: '2024-01-05T23:00:00' } },
  });
  const errors: unknown[] = [];
  // Server a records the 3 January firing and "dies" before starting its run.
  const a = engineFor(env, fake.starter, {
    owner: 'a',
    // A dead server recovers nothing; the next one does.
    recoverAfterMs: Infinity,
    afterRecord: (run) => {
      if (run.occurrence.startsWith('2024-01-03')) throw new Error('killed');
    },
    onError: (error) => errors.push(error),
  });
  a.start();
  await until(() => fake.runs.size === 4);
  await a.stop();
  assert.equal(errors.length, 1);
  const b = engineFor(env, fake.starter, { owner: 'b', pollMs: 60_000 });
  b.start();
  await until(() => fake.runs.size === 5);
  await env.clock.advance(600_000);
  await b.stop();
  const times = [...fake.runs.values()].map((r) => r.trigger.time.toISOString().slice(0, 10)).sort();
  assert.deepEqual(times, ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05']);
});

test('tumbling windows backfill in order, maxConcurrency at once, retry a failure, and wait for a dependency', async () => {
  const env = setup('2024-05-01T10:00:00Z');
  let failedOnce = false;
  const fake = fakeStarter(env.clock, 20 * 60_000, (run) => {
    const start = (run.trigger.values['outputs'] as { windowStartTime: string }).windowStartTime;
    if (run.trigger.name === 'hourly' && start.startsWith('2024-05-01T03') && !failedOnce) {
      failedOnce = true;
      return true;
    }
    return false;
  });
  const pipeline = (name: string) => ({
    pipelineReference: { referenceName: name },
    parameters: { from: '@trigger().outputs.windowStartTime', to: '@trigger().outputs.windowEndTime' },
  });
  await addTrigger(env, 'hourly', {
    type: 'TumblingWindowTrigger',
    typeProperties: {
      frequency: 'Hour',
      interval: 1,
      startTime: '2024-05-01T00:00:00Z',
      endTime: '2024-05-01T12:00:00Z',
      maxConcurrency: 2,
      retryPolicy: { count: 1, intervalInSeconds: 60 },
    },
    pipeline: pipeline('Load'),
  });
  await addTrigger(env, 'after-hourly', {
    type: 'TumblingWindowTrigger',
    typeProperties: {
      frequency: 'Hour',
      interval: 2,
      startTime: '2024-05-01T00:00:00Z',
      endTime: '2024-05-01T12:00:00Z',
      maxConcurrency: 5,
      dependsOn: [
        {
          type: 'TumblingWindowTriggerDependencyReference',
          referenceTrigger: { referenceName: 'hourly', type: 'TriggerReference' },
        },
      ],
    },
    pipeline: pipeline('Report'),
  });
  const engine = engineFor(env, fake.starter, { pollMs: 60_000 });
  engine.start();
  const loads = () => [...fake.runs.values()].filter((r) => r.plan.pipelineName === 'Load');
  const reports = () => [...fake.runs.values()].filter((r) => r.plan.pipelineName === 'Report');
  await until(() => loads().filter((r) => r.status === 'Succeeded').length === 12 && reports().length === 6);
  await until(() => reports().every((r) => r.status === 'Succeeded'));
  await engine.stop();
  // 12 windows, the failed one run again: 13 runs; never more than two Loads at once.
  assert.equal(loads().length, 13);
  const froms = loads().map((r) => r.plan.parameters['from'] as string);
  assert.equal(froms.filter((f) => f.startsWith('2024-05-01T03')).length, 2);
  assert.equal(froms[0], '2024-05-01T00:00:00.0000000Z');
  assert.equal(loads()[0]?.plan.parameters['to'], '2024-05-01T01:00:00.0000000Z');
  // Each report window [2h) starts only after both hourly windows it covers succeeded.
  for (const report of reports()) {
    const from = Date.parse(report.plan.parameters['from'] as string);
    const covered = loads().filter((l) => {
      const at = Date.parse(l.plan.parameters['from'] as string);
      return at >= from && at < from + 7_200_000 && l.status === 'Succeeded';
    });
    assert.equal(covered.length, 2);
    assert.ok(covered.every((l) => (l.endMs ?? Infinity) <= report.startMs));
  }
  const maxLoads = loads().reduce((max, run) => {
    const overlapping = loads().filter(
      (o) => o.startMs <= run.startMs && (o.endMs ?? Infinity) > run.startMs,
    );
    return Math.max(max, overlapping.length);
  }, 0);
  assert.equal(maxLoads, 2);
});

test('a storage-event trigger fires once per new CSV, with its folder and file name', async () => {
  const env = setup('2024-05-01T10:00:00Z');
  const fake = fakeStarter(env.clock);
  mkdirSync(join(env.dir, 'incoming', 'day1'), { recursive: true });
  await addTrigger(env, 'csv-drop', {
    type: 'BlobEventsTrigger',
    typeProperties: {
      scope: 'drops',
      events: ['Microsoft.Storage.BlobCreated'],
      blobPathBeginsWith: '/landing/blobs/incoming/',
      blobPathEndsWith: '.csv',
      ignoreEmptyBlobs: true,
    },
    pipelines: [
      {
        pipelineReference: { referenceName: 'Score' },
        parameters: { folder: '@triggerBody().folderPath', file: '@triggerBody().fileName' },
      },
    ],
  });
  // The store's trigger start is virtual time; files get real mtimes, so the trigger counts from 2024.
  const engine = engineFor(env, fake.starter, { pollMs: 1_000 });
  writeFileSync(join(env.dir, 'incoming', 'day1', 'a.csv'), 'x,y\n1,2\n');
  writeFileSync(join(env.dir, 'incoming', 'day1', 'empty.csv'), '');
  writeFileSync(join(env.dir, 'incoming', 'day1', 'notes.txt'), 'hello');
  engine.start();
  await until(() => fake.runs.size === 1);
  writeFileSync(join(env.dir, 'incoming', 'b.csv'), 'x,y\n3,4\n');
  await until(() => fake.runs.size === 2);
  await env.clock.advance(10_000);
  await engine.stop();
  const params = [...fake.runs.values()]
    .map((r) => r.plan.parameters)
    .sort((x, y) => String(x['file']).localeCompare(String(y['file'])));
  assert.deepEqual(params, [
    { folder: 'landing/incoming/day1', file: 'a.csv' },
    { folder: 'landing/incoming', file: 'b.csv' },
  ]);
});

test('a storage-event trigger reports a deleted blob once, and a folder not yet made is no error', async () => {
  const env = setup('2024-05-01T10:00:00Z');
  const fake = fakeStarter(env.clock);
  await addTrigger(env, 'csv-gone', {
    type: 'BlobEventsTrigger',
    typeProperties: {
      scope: 'drops',
      events: ['Microsoft.Storage.BlobCreated', 'Microsoft.Storage.BlobDeleted'],
      blobPathBeginsWith: '/landing/blobs/later/',
    },
    pipelines: [
      {
        pipelineReference: { referenceName: 'Clean' },
        parameters: { file: '@triggerBody().fileName', event: '@triggerBody().event' },
      },
    ],
  });
  const engine = engineFor(env, fake.starter, { pollMs: 1_000 });
  engine.start();
  await env.clock.advance(5_000);
  mkdirSync(join(env.dir, 'later'));
  writeFileSync(join(env.dir, 'later', 'x.csv'), '1');
  await until(() => fake.runs.size === 1);
  rmSync(join(env.dir, 'later', 'x.csv'));
  await until(() => fake.runs.size === 2);
  await env.clock.advance(10_000);
  await engine.stop();
  const events = [...fake.runs.values()].map(
    (r) => `${String(r.plan.parameters['event'])} ${String(r.plan.parameters['file'])}`,
  );
  assert.deepEqual(events, ['Microsoft.Storage.BlobCreated x.csv', 'Microsoft.Storage.BlobDeleted x.csv']);
});
