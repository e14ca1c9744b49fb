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
