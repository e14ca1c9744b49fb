import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { JobError, MiniBatchRecord } from '../core/jobs.ts';
import type { AttemptRecord, JobRepository } from '../store/contract.ts';
import { createJobLoop } from './job-loop.ts';
import type { JobPlan } from './job-plan.ts';
import type { AttemptResult } from './pool/attempt-result.ts';
import type { WorkerPool } from './pool/worker-pool.ts';
import type { QueuedTask, TaskQueue } from './queue/contract.ts';

/** One mini-batch of one file, a queue that hands it out once, and a pool whose worker scores it. */
function harness() {
  const mb: MiniBatchRecord = {
    job: 'j',
    index: 0,
    id: 'j-mb-00000',
    files: ['in/a.txt'],
    state: 'running',
    attempts: 1,
    succeeded: 0,
    failed: 0,
    rowsWritten: 0,
  };
  const finished: AttemptRecord[] = [];
  const errors: JobError[] = [];
  const store = {
    startAttempt: () => Promise.resolve(mb),
    finishAttempt: (_job: string, _index: number, record: AttemptRecord) => {
      finished.push(record);
      return Promise.resolve();
    },
    setFirstError: (_job: string, error: JobError) => {
      errors.push(error);
      return Promise.resolve();
    },
  } as unknown as JobRepository;
  let tasks: QueuedTask[] = [{ id: mb.id, job: 'j', index: 0 }];
  const acked: string[] = [];
  const queue = {
    lease: () => {
      const leased = tasks;
      tasks = [];
      return Promise.resolve(leased);
    },
    ack: (id: string) => {
      acked.push(id);
      return Promise.resolve();
    },
    nack: () => Promise.resolve(),
  } as unknown as TaskQueue;
  const result: AttemptResult = {
    ok: true,
    outcome: { succeeded: 1, failed: 0, itemFailures: [], rowsWritten: 1 },
    worker: 'node-0/process0',
    elapsedMs: 1,
  };
  const pool = { workers: () => 1, run: () => Promise.resolve(result) } as unknown as WorkerPool;
  const plan = {
    name: 'j',
    input: {
      remote: false,
      local: (path: string) => Promise.resolve(`/local/${path}`),
      release: () => undefined,
    },
    partPath: (index: number) => `/parts/${index}`,
    errorView: (error: JobError) => error,
  } as unknown as JobPlan;
  return { store, queue, pool, plan, finished, errors, acked };
}

test("a failing first-attempt step is the job's, not the attempt's: the attempt still runs and succeeds", async () => {
  const h = harness();
  let attemptEnded: () => void = () => undefined;
  const ended = new Promise<undefined>((resolve) => {
    attemptEnded = () => {
      resolve(undefined);
    };
  });
  const lines: string[] = [];
  const logger = pino(
    { level: 'error' },
    {
      write: (line: string) => {
        lines.push(line);
      },
    },
  );
  const loop = createJobLoop({
    plan: h.plan,
    queue: h.queue,
    store: h.store,
    pools: [{ pool: h.pool, node: 'node-0', busy: 0 }],
    lease: { owner: 'me', ms: 60_000 },
    maxRetries: 0,
    prefetchDepth: 1,
    onFirstAttempt: () => Promise.reject(new Error('the store is busy')),
    onAttemptEnded: () => {
      attemptEnded();
    },
    logger,
  });
  loop.pump();
  await ended;
  assert.deepEqual(
    h.finished.map((r) => r.state),
    ['succeeded'],
  );
  assert.deepEqual(h.errors, [], 'no DispatchFailed error is recorded for the job');
  assert.deepEqual(h.acked, ['j-mb-00000']);
  assert.ok(
    lines.some((line) => line.includes('marking the job Running failed')),
    lines.join(''),
  );
});

test('a task leased ahead downloads its files after the attempt started before it has its own, not beside them', async () => {
  const h = harness();
  const batches = [0, 1].map((index) => ({
    job: 'j',
    index,
    id: `j-mb-0000${String(index)}`,
    files: [`in/${String(index)}.csv`],
    state: 'pending' as const,
    attempts: 0,
    succeeded: 0,
    failed: 0,
    rowsWritten: 0,
  }));
  const tasks: QueuedTask[] = batches.map((b) => ({ id: b.id, job: 'j', index: b.index }));
  const queue = {
    ...h.queue,
    lease: (_owner: string, _job: string, max: number) => Promise.resolve(tasks.splice(0, max)),
  } as unknown as TaskQueue;
  const store = {
    ...h.store,
    startAttempt: (_job: string, index: number) => Promise.resolve({ ...batches[index], state: 'running' }),
    getMiniBatch: (_job: string, index: number) => Promise.resolve(batches[index]),
  } as unknown as JobRepository;
  const events: string[] = [];
  let arrived: () => void = () => undefined;
  const firstFile = new Promise<string>((resolve) => {
    arrived = () => {
      events.push('first file local');
      resolve('/local/in/0.csv');
    };
  });
  let asked: () => void = () => undefined;
  const firstAsked = new Promise<void>((resolve) => (asked = resolve));
  let prefetched: () => void = () => undefined;
  const prefetchDone = new Promise<void>((resolve) => (prefetched = resolve));
  const plan = {
    ...h.plan,
    input: {
      remote: true,
      local: (path: string) => {
        events.push(`local ${path}`);
        asked();
        return path === 'in/0.csv' ? firstFile : Promise.resolve(`/local/${path}`);
      },
      prefetch: (files: string[]) => {
        events.push(`prefetch ${files.join(',')}`);
        prefetched();
      },
      release: () => undefined,
    },
  } as unknown as JobPlan;
  const loop = createJobLoop({
    plan,
    queue,
    store,
    pools: [{ pool: h.pool, node: 'node-0', busy: 0 }],
    lease: { owner: 'me', ms: 60_000 },
    maxRetries: 0,
    prefetchDepth: 0,
    leaseAhead: 1,
    onFirstAttempt: () => Promise.resolve(),
    onAttemptEnded: () => undefined,
    logger: pino({ level: 'silent' }),
  });
  loop.pump();
  await firstAsked;
  // Everything the loop would do before the first file arrives has had its turn.
  await new Promise((resolve) => setImmediate(resolve));
  arrived();
  await prefetchDone;
  loop.stop();
  assert.deepEqual(events.slice(0, 3), ['local in/0.csv', 'first file local', 'prefetch in/1.csv']);
});
