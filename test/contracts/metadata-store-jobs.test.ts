/**
 * The metadata store contract suite, jobs and mini-batches: the transitions the engine relies on for
 * progress, retries, the error threshold, cancel and resume after a crash. Every implementation in
 * metadata-stores.ts must pass it unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { miniBatchId, type JobRecord } from '../../src/core/jobs.ts';
import { describeContract } from './implementations.ts';
import { metadataStores } from './metadata-stores.ts';
import { seedJobRecord } from '../helpers/job-seeds.ts';

const WHEN = '2026-01-01T00:00:00.000Z';

function job(name: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return seedJobRecord(name, {
    status: 'Preparing',
    description: 'a contract test job',
    tags: { purpose: 'contract' },
    ...overrides,
  });
}

/** An attempt's outcome as the engine reports it; `state: 'pending'` asks for a retry. */
function outcome(state: 'succeeded' | 'failed' | 'pending', succeeded: number, failed: number) {
  return { state, succeeded, failed, rowsWritten: succeeded, worker: 'w1', elapsedMs: 12 };
}

const planned = (count: number, filesEach = 2) =>
  Array.from({ length: count }, (_, index) => ({
    index,
    files: Array.from({ length: filesEach }, (_, f) => `in/${index}-${f}.csv`),
  }));

await describeContract('MetadataStore jobs', metadataStores, (context) => {
  const jobs = () => context.current().jobs;

  test('create refuses a name that exists in any case; get returns the job as created', async () => {
    const created = job('job-1');
    assert.equal(await jobs().create(created), true);
    assert.equal(await jobs().create(job('JOB-1', { description: 'second' })), false);
    assert.deepEqual(await jobs().get('job-1'), created);
    assert.equal((await jobs().get('Job-1'))?.description, 'a contract test job');
    assert.equal(await jobs().get('never'), undefined);
  });

  test('list is newest first, filtered by endpoint and deployment in any case, and limited', async () => {
    await jobs().create(job('a', { endpointName: 'e1', deploymentName: 'blue' }));
    await jobs().create(job('b', { endpointName: 'e1', deploymentName: 'green' }));
    await jobs().create(job('c', { endpointName: 'e2', deploymentName: 'blue' }));
    const names = (list: JobRecord[]) => list.map((j) => j.name);
    assert.deepEqual(names(await jobs().list()), ['c', 'b', 'a']);
    assert.deepEqual(names(await jobs().list({ endpoint: 'E1' })), ['b', 'a']);
    assert.deepEqual(names(await jobs().list({ endpoint: 'e1', deployment: 'BLUE' })), ['a']);
    assert.deepEqual(names(await jobs().list({ limit: 2 })), ['c', 'b']);
  });

  test('listActive gives the jobs not yet Completed, Failed or Canceled', async () => {
    const statuses = ['NotStarted', 'Preparing', 'Running', 'Finalizing', 'CancelRequested'] as const;
    for (const status of statuses) await jobs().create(job(`active-${status}`, { status }));
    for (const status of ['Completed', 'Failed', 'Canceled'] as const)
      await jobs().create(job(`ended-${status}`, { status }));
    const active = (await jobs().listActive()).map((j) => j.name).sort();
    assert.deepEqual(active, statuses.map((s) => `active-${s}`).sort());
  });

  test('update merges a patch; with from-statuses it happens only when the job is in one of them', async () => {
    await jobs().create(job('j', { status: 'Running' }));
    const moved = await jobs().update('j', { status: 'Finalizing', startedAt: WHEN }, ['Running']);
    assert.equal(moved?.status, 'Finalizing');
    assert.equal(moved.startedAt, WHEN);
    assert.equal(moved.description, 'a contract test job');
    assert.equal(await jobs().update('j', { status: 'Canceled' }, ['Running', 'Preparing']), undefined);
    assert.equal((await jobs().get('j'))?.status, 'Finalizing');
    assert.equal((await jobs().update('j', { result: 'done' }))?.result, 'done');
    assert.equal(await jobs().update('missing', { status: 'Failed' }), undefined);
  });

  test('of two guarded moves from the same status, exactly one happens', async () => {
    await jobs().create(job('race', { status: 'Running' }));
    const [finish, cancel] = await Promise.all([
      jobs().update('race', { status: 'Finalizing' }, ['Running']),
      jobs().update('race', { status: 'CancelRequested' }, ['Running']),
    ]);
    assert.equal([finish, cancel].filter((r) => r !== undefined).length, 1);
    assert.equal((await jobs().get('race'))?.status, (finish ?? cancel)?.status);
  });

  test('two servers sharing the store: each mini-batch starts once and each guarded move happens once', async () => {
    const other = (await context.openAnother()).jobs;
    await jobs().create(job('shared', { status: 'Running' }));
    await jobs().addMiniBatches('shared', planned(10));
    const starts = await Promise.all(
      Array.from({ length: 10 }, (_, index) => [
        jobs().startAttempt('shared', index, 'server-a'),
        other.startAttempt('SHARED', index, 'server-b'),
      ]).flat(),
    );
    for (let index = 0; index < 10; index++) {
      const won = [starts[2 * index], starts[2 * index + 1]].filter((s) => s !== undefined);
      assert.equal(won.length, 1, `mini-batch ${String(index)} started once`);
      assert.equal((await jobs().getMiniBatch('shared', index))?.attempts, 1);
    }
    assert.equal((await other.counts('shared')).miniBatches.running, 10);
    const moves = await Promise.all([
      jobs().update('shared', { status: 'Finalizing' }, ['Running']),
      other.update('shared', { status: 'CancelRequested' }, ['Running']),
    ]);
    assert.equal(moves.filter((m) => m !== undefined).length, 1);
    assert.equal((await other.get('shared'))?.status, (moves[0] ?? moves[1])?.status);
  });

  test('the first error is kept: later errors and updates never replace it', async () => {
    await jobs().create(job('err', { status: 'Running' }));
    await jobs().setFirstError('err', { code: 'ScriptError', message: 'first', miniBatch: 0 });
    await jobs().setFirstError('err', { code: 'ScriptError', message: 'second', miniBatch: 1 });
    await jobs().update('err', { status: 'Failed', result: 'failed on the error threshold' });
    const stored = await jobs().get('err');
    assert.deepEqual(stored?.error, { code: 'ScriptError', message: 'first', miniBatch: 0 });
    assert.equal(stored.status, 'Failed');
    assert.equal((await jobs().list())[0]?.error?.message, 'first');
  });

  test('planned mini-batches start pending with no attempt; planning an index again changes nothing', async () => {
    await jobs().create(job('plan'));
    await jobs().addMiniBatches('plan', planned(3));
    await jobs().addMiniBatches('plan', [{ index: 1, files: ['other.csv'] }, ...planned(4).slice(3)]);
    const batches = await jobs().miniBatches('plan');
    assert.deepEqual(
      batches.map((b) => [b.index, b.id, b.state, b.attempts, b.files.length]),
      [0, 1, 2, 3].map((i) => [i, miniBatchId('plan', i), 'pending', 0, 2]),
    );
    assert.deepEqual((await jobs().getMiniBatch('plan', 1))?.files, ['in/1-0.csv', 'in/1-1.csv']);
    assert.equal(await jobs().getMiniBatch('plan', 9), undefined);
  });

  test('a page of mini-batches is a window in index order; past the end is empty', async () => {
    await jobs().create(job('paged'));
    await jobs().addMiniBatches('paged', planned(12));
    await jobs().startAttempt('paged', 5, 'worker-p');
    const page = await jobs().miniBatches('paged', { offset: 4, limit: 3 });
    assert.deepEqual(
      page.map((b) => [b.index, b.state]),
      [
        [4, 'pending'],
        [5, 'running'],
        [6, 'pending'],
      ],
    );
    assert.equal(page[1]?.worker, 'worker-p');
    assert.deepEqual(
      (await jobs().miniBatches('paged', { offset: 10, limit: 5 })).map((b) => b.index),
      [10, 11],
    );
    assert.deepEqual(await jobs().miniBatches('paged', { offset: 12, limit: 5 }), []);
    assert.equal((await jobs().miniBatches('PAGED', { offset: 0, limit: 1 })).length, 1, 'any case');
    assert.equal((await jobs().miniBatches('paged')).length, 12, 'no page: every mini-batch');
  });

  test('an attempt moves pending to running once, counting the attempt and naming the worker', async () => {
    await jobs().create(job('att'));
    await jobs().addMiniBatches('att', planned(1));
    const started = await jobs().startAttempt('att', 0, 'worker-a');
    assert.equal(started?.state, 'running');
    assert.equal(started.attempts, 1);
    assert.equal(started.worker, 'worker-a');
    assert.equal(await jobs().startAttempt('att', 0, 'worker-b'), undefined);
    assert.equal(await jobs().startAttempt('att', 7, 'worker-b'), undefined);
    assert.equal((await jobs().getMiniBatch('att', 0))?.worker, 'worker-a');
  });

  test('a finished attempt records its counts; a retry goes back to pending and counts again', async () => {
    await jobs().create(job('fin'));
    await jobs().addMiniBatches('fin', planned(2));
    await jobs().startAttempt('fin', 0, 'w1');
    const inputs = [{ path: 'in/0-0.csv', size: 4, sha256: 'ab' }];
    await jobs().finishAttempt('fin', 0, { ...outcome('succeeded', 2, 0), inputs });
    const done = await jobs().getMiniBatch('fin', 0);
    assert.deepEqual(
      [done?.state, done?.succeeded, done?.failed, done?.rowsWritten, done?.worker, done?.elapsedMs],
      ['succeeded', 2, 0, 2, 'w1', 12],
    );
    assert.deepEqual(done?.inputs, inputs);
    await jobs().startAttempt('fin', 1, 'w1');
    const error = { code: 'ScriptError', message: 'boom', file: 'in/1-0.csv', attempt: 1 };
    await jobs().finishAttempt('fin', 1, { ...outcome('pending', 0, 2), error });
    assert.equal((await jobs().getMiniBatch('fin', 1))?.state, 'pending');
    const again = await jobs().startAttempt('fin', 1, 'w2');
    assert.equal(again?.attempts, 2);
    await jobs().finishAttempt('fin', 1, { ...outcome('failed', 1, 1), error });
    const failed = await jobs().getMiniBatch('fin', 1);
    assert.equal(failed?.state, 'failed');
    assert.deepEqual(failed.error, error);
  });

  test('a report for a mini-batch that is not running (canceled, reset) changes nothing', async () => {
    await jobs().create(job('late'));
    await jobs().addMiniBatches('late', planned(2));
    await jobs().startAttempt('late', 0, 'w1');
    await jobs().cancelOpen('late');
    await jobs().finishAttempt('late', 0, outcome('succeeded', 2, 0));
    await jobs().finishAttempt('late', 1, outcome('succeeded', 2, 0));
    const batches = await jobs().miniBatches('late');
    assert.deepEqual(
      batches.map((b) => [b.state, b.succeeded]),
      [
        ['canceled', 0],
        ['canceled', 0],
      ],
    );
  });

  test('after a crash, running mini-batches go back to pending without charging the lost attempt', async () => {
    await jobs().create(job('crash'));
    await jobs().addMiniBatches('crash', planned(3));
    await jobs().startAttempt('crash', 0, 'w1');
    await jobs().finishAttempt('crash', 0, outcome('succeeded', 2, 0));
    await jobs().startAttempt('crash', 1, 'w1');
    await jobs().finishAttempt('crash', 1, outcome('pending', 0, 2));
    await jobs().startAttempt('crash', 1, 'w1');
    await jobs().startAttempt('crash', 2, 'w2');
    assert.equal(await jobs().resetRunning('crash'), 2);
    const batches = await jobs().miniBatches('crash');
    assert.deepEqual(
      batches.map((b) => [b.state, b.attempts]),
      [
        ['succeeded', 1],
        ['pending', 1],
        ['pending', 0],
      ],
    );
    assert.equal(await jobs().resetRunning('crash'), 0);
  });

  test('cancel closes pending and running mini-batches and keeps finished ones', async () => {
    await jobs().create(job('cancel'));
    await jobs().addMiniBatches('cancel', planned(4));
    await jobs().startAttempt('cancel', 0, 'w');
    await jobs().finishAttempt('cancel', 0, outcome('succeeded', 2, 0));
    await jobs().startAttempt('cancel', 1, 'w');
    await jobs().finishAttempt('cancel', 1, outcome('failed', 0, 2));
    await jobs().startAttempt('cancel', 2, 'w');
    assert.equal(await jobs().cancelOpen('cancel'), 2);
    assert.deepEqual(
      (await jobs().miniBatches('cancel')).map((b) => b.state),
      ['succeeded', 'failed', 'canceled', 'canceled'],
    );
    assert.equal(await jobs().startAttempt('cancel', 3, 'w'), undefined);
    assert.equal(await jobs().cancelOpen('cancel'), 0);
  });

  test('resetRunning with indexes resets only those that are running', async () => {
    await jobs().create(job('lost'));
    await jobs().addMiniBatches('lost', planned(3));
    for (const index of [0, 1, 2]) await jobs().startAttempt('lost', index, 'w');
    await jobs().finishAttempt('lost', 2, outcome('succeeded', 2, 0));
    assert.equal(await jobs().resetRunning('LOST', [1, 2]), 1);
    assert.deepEqual(
      (await jobs().miniBatches('lost')).map((b) => [b.state, b.attempts]),
      [
        ['running', 1],
        ['pending', 0],
        ['succeeded', 1],
      ],
    );
    assert.equal(await jobs().resetRunning('lost', []), 0);
  });

  test('rescore puts succeeded mini-batches back to pending, counts cleared, attempts kept', async () => {
    await jobs().create(job('again'));
    await jobs().addMiniBatches('again', planned(3));
    for (const index of [0, 1]) {
      await jobs().startAttempt('again', index, 'w');
      await jobs().finishAttempt('again', index, { ...outcome('succeeded', 2, 0), rowsWritten: 7 });
    }
    await jobs().startAttempt('again', 2, 'w');
    await jobs().finishAttempt('again', 2, outcome('failed', 0, 2));
    // Only succeeded ones move: the failed one and an index that does not exist stay as they are.
    assert.equal(await jobs().rescore('AGAIN', [0, 2, 9]), 1);
    const batches = await jobs().miniBatches('again');
    assert.deepEqual(
      batches.map((b) => [b.state, b.attempts, b.succeeded, b.rowsWritten]),
      [
        ['pending', 1, 0, 0],
        ['succeeded', 1, 2, 7],
        ['failed', 1, 0, 0],
      ],
    );
    const counts = await jobs().counts('again');
    assert.deepEqual(counts.miniBatches, {
      total: 3,
      pending: 1,
      running: 0,
      succeeded: 1,
      failed: 1,
      canceled: 0,
    });
    assert.deepEqual([counts.items.succeeded, counts.rows], [2, 7]);
    assert.ok(await jobs().startAttempt('again', 0, 'w2'), 'a rescored mini-batch starts again');
  });

  test('counts add up mini-batches by state, items (files) and rows, for that job only', async () => {
    await jobs().create(job('count'));
    await jobs().create(job('other'));
    await jobs().addMiniBatches('count', planned(4, 3));
    await jobs().addMiniBatches('other', planned(2));
    await jobs().startAttempt('count', 0, 'w');
    await jobs().finishAttempt('count', 0, { ...outcome('succeeded', 3, 0), rowsWritten: 5 });
    await jobs().startAttempt('count', 1, 'w');
    await jobs().finishAttempt('count', 1, outcome('failed', 1, 2));
    await jobs().startAttempt('count', 2, 'w');
    assert.deepEqual(await jobs().counts('count'), {
      miniBatches: { total: 4, pending: 1, running: 1, succeeded: 1, failed: 1, canceled: 0 },
      items: { total: 12, succeeded: 4, failed: 2 },
      rows: 6,
      workerSeconds: 0.024,
    });
    assert.deepEqual((await jobs().counts('nothing')).miniBatches.total, 0);
  });

  test('counts follow every transition (retry, reset, cancel) and stay right after a reopen', async () => {
    await jobs().create(job('tally'));
    await jobs().addMiniBatches('tally', planned(5, 2));
    await jobs().addMiniBatches('tally', planned(2, 7));
    /** The counts as they must be, recomputed from the mini-batches themselves. */
    const recount = async (store = jobs()) => {
      const states = ['pending', 'running', 'succeeded', 'failed', 'canceled'] as const;
      const batches = await store.miniBatches('tally');
      const sum = (pick: (b: (typeof batches)[number]) => number) => batches.reduce((n, b) => n + pick(b), 0);
      return {
        miniBatches: {
          total: batches.length,
          ...Object.fromEntries(states.map((s) => [s, batches.filter((b) => b.state === s).length])),
        },
        items: {
          total: sum((b) => b.files.length),
          succeeded: sum((b) => b.succeeded),
          failed: sum((b) => b.failed),
        },
        rows: sum((b) => b.rowsWritten),
        workerSeconds: (finished * 12) / 1000,
      };
    };
    // Every attempt that ended adds its 12 ms (outcome()); a reset or a cancel adds nothing.
    let finished = 0;
    const steps: (() => Promise<unknown>)[] = [
      () => jobs().startAttempt('tally', 0, 'w'),
      () => jobs().finishAttempt('tally', 0, outcome('pending', 0, 0)),
      () => jobs().startAttempt('tally', 0, 'w'),
      () => jobs().finishAttempt('tally', 0, { ...outcome('succeeded', 2, 0), rowsWritten: 9 }),
      () => jobs().startAttempt('tally', 1, 'w'),
      () => jobs().finishAttempt('tally', 1, outcome('failed', 0, 2)),
      () => jobs().startAttempt('tally', 2, 'w'),
      () => jobs().startAttempt('tally', 3, 'w'),
      () => jobs().finishAttempt('tally', 3, { ...outcome('succeeded', 1, 1), rowsWritten: 1 }),
      () => jobs().resetRunning('tally'),
      () => jobs().startAttempt('tally', 4, 'w'),
      () => jobs().cancelOpen('tally'),
    ];
    for (const [i, step] of steps.entries()) {
      await step();
      if (step.toString().includes('finishAttempt')) finished += 1;
      assert.deepEqual(await jobs().counts('tally'), await recount(), `after step ${i}`);
    }
    const reopened = (await context.reopen()).jobs;
    assert.deepEqual(await reopened.counts('tally'), await recount(reopened));
    assert.deepEqual((await reopened.counts('tally')).miniBatches, {
      total: 5,
      pending: 0,
      running: 0,
      succeeded: 2,
      failed: 1,
      canceled: 2,
    });
  });

  test('getWithCounts is the job and its counts as get and counts give them, in any case of the name', async () => {
    await jobs().create(job('polled'));
    await jobs().create(job('neighbour'));
    await jobs().addMiniBatches('polled', planned(3, 2));
    await jobs().addMiniBatches('neighbour', planned(5));
    await jobs().startAttempt('polled', 0, 'w');
    await jobs().finishAttempt('polled', 0, { ...outcome('succeeded', 2, 0), rowsWritten: 4 });
    await jobs().startAttempt('polled', 1, 'w');
    await jobs().update('polled', { status: 'Running' });
    await jobs().setFirstError('polled', { code: 'UserError', message: 'first' });
    const read = await jobs().getWithCounts('POLLED');
    assert.deepEqual(read, { job: await jobs().get('polled'), counts: await jobs().counts('polled') });
    assert.equal(read.job.status, 'Running');
    assert.equal(read.job.error?.message, 'first');
    assert.deepEqual(read.counts.miniBatches, {
      total: 3,
      pending: 1,
      running: 1,
      succeeded: 1,
      failed: 0,
      canceled: 0,
    });
    await jobs().create(job('unplanned'));
    assert.equal((await jobs().getWithCounts('unplanned'))?.counts.miniBatches.total, 0);
    assert.equal(await jobs().getWithCounts('missing'), undefined);
  });

  test('worker seconds sum every ended attempt, retried and failed ones included, and nothing else', async () => {
    await jobs().create(job('busy'));
    await jobs().create(job('idle'));
    await jobs().addMiniBatches('busy', planned(3));
    await jobs().addMiniBatches('idle', planned(1));
    const ended = (state: 'succeeded' | 'failed' | 'pending', elapsedMs: number) => ({
      ...outcome(state, 0, 0),
      elapsedMs,
    });
    await jobs().startAttempt('busy', 0, 'w');
    await jobs().finishAttempt('busy', 0, ended('pending', 1500));
    await jobs().startAttempt('busy', 0, 'w');
    await jobs().finishAttempt('busy', 0, ended('succeeded', 250));
    await jobs().startAttempt('busy', 1, 'w');
    await jobs().finishAttempt('busy', 1, ended('failed', 1000));
    // A report for a mini-batch that is not running (canceled meanwhile) is not worker time of the job.
    await jobs().finishAttempt('busy', 2, ended('succeeded', 9000));
    await jobs().startAttempt('busy', 2, 'w');
    await jobs().resetRunning('busy');
    assert.equal((await jobs().counts('busy')).workerSeconds, 2.75);
    assert.equal((await jobs().counts('idle')).workerSeconds, 0);
    assert.equal((await (await context.reopen()).jobs.counts('busy')).workerSeconds, 2.75);
  });

  test('jobs, errors and mini-batches are there after the store is closed and opened again', async () => {
    await jobs().create(job('kept', { status: 'Running' }));
    await jobs().setFirstError('kept', { code: 'E', message: 'kept' });
    await jobs().addMiniBatches('kept', planned(2));
    await jobs().startAttempt('kept', 0, 'w');
    const reopened = (await context.reopen()).jobs;
    assert.equal((await reopened.get('kept'))?.error?.message, 'kept');
    assert.deepEqual(
      (await reopened.miniBatches('kept')).map((b) => b.state),
      ['running', 'pending'],
    );
    assert.deepEqual(
      (await reopened.listActive()).map((j) => j.name),
      ['kept'],
    );
  });
});
