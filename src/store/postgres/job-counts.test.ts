/**
 * The PostgreSQL running totals against the mini-batches they summarize: several stores (as several
 * servers, each its own pool) move mini-batches of one job at once, single-row and multi-row statements
 * racing, and the job's `job_counts` row must equal a GROUP BY recount of its mini-batches afterwards,
 * with no statement failing (a deadlock would). A database from before the totals gets them backfilled.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { JobCounts } from '../../core/jobs.ts';
import type { MetadataStore } from '../contract.ts';
import { needs, POSTGRES, testDatabaseUrl } from '../../../test/helpers/components.ts';
import { createPostgresStore } from './postgres-store.ts';

const postgres = await needs(POSTGRES);

/** Runs `sql` on a connection of its own, outside any store, in `schema`. */
async function query<T>(schema: string, sql: string, args: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: testDatabaseUrl(), options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return (await client.query(sql, args)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The job's counts recomputed from its mini-batches, as the store computed them before the totals. */
async function recount(schema: string, job: string): Promise<Omit<JobCounts, 'workerSeconds'>> {
  const rows = await query<{
    state: keyof JobCounts['miniBatches'];
    n: string;
    items: string;
    ok: string;
    bad: string;
    rows: string;
  }>(
    schema,
    `SELECT state, COUNT(*) AS n, SUM(item_count) AS items, SUM(succeeded) AS ok, SUM(failed) AS bad,
       SUM(rows_written) AS rows FROM mini_batches WHERE job_key = $1 GROUP BY state`,
    [job],
  );
  const counts = {
    miniBatches: { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 },
    items: { total: 0, succeeded: 0, failed: 0 },
    rows: 0,
  };
  for (const row of rows) {
    counts.miniBatches[row.state] += Number(row.n);
    counts.miniBatches.total += Number(row.n);
    counts.items.total += Number(row.items);
    counts.items.succeeded += Number(row.ok);
    counts.items.failed += Number(row.bad);
    counts.rows += Number(row.rows);
  }
  return counts;
}

const planned = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    index,
    files: Array.from({ length: 1 + (index % 3) }, (_, f) => `in/${String(index)}-${String(f)}.csv`),
  }));

/** Every index in an order of its own, so the stores meet on the same mini-batches at different times. */
function shuffled(count: number): number[] {
  return Array.from({ length: count }, (_, i) => ({ i, key: Math.random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ i }) => i);
}

/** One server's share: start each mini-batch it wins and end it as succeeded, failed or a retry. */
async function runAttempts(
  store: MetadataStore,
  job: string,
  count: number,
  worker: string,
): Promise<number> {
  let workerMs = 0;
  for (const index of shuffled(count)) {
    const started = await store.jobs.startAttempt(job, index, worker);
    if (!started) continue;
    const files = started.files.length;
    const kind = (index + started.attempts) % 3;
    const state = kind === 0 ? 'succeeded' : kind === 1 ? 'failed' : 'pending';
    const elapsedMs = 1 + (index % 7);
    workerMs += elapsedMs;
    await store.jobs.finishAttempt(job, index, {
      state,
      succeeded: state === 'succeeded' ? files : 0,
      failed: state === 'failed' ? files : 0,
      rowsWritten: state === 'succeeded' ? files * 10 : 0,
      worker,
      elapsedMs,
    });
  }
  return workerMs;
}

void describe('PostgreSQL job counts as running totals', postgres, () => {
  const schemas: string[] = [];
  const stores: MetadataStore[] = [];
  const freshSchema = (): string => {
    const schema = `ns_counts_${randomBytes(8).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  const open = async (schema: string): Promise<MetadataStore> => {
    const store = await createPostgresStore({ url: testDatabaseUrl(), schema });
    stores.push(store);
    return store;
  };
  after(async () => {
    for (const store of stores) await store.close();
    for (const schema of schemas) await query('public', `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  test('stay equal to a recount while four servers move mini-batches of one job at once', async () => {
    const schema = freshSchema();
    const servers = await Promise.all(Array.from({ length: 4 }, () => open(schema)));
    const [first] = servers as [MetadataStore];
    const count = 300;
    await first.jobs.addMiniBatches('Race', planned(count));
    // Every attempt a server wins it ends itself: the worker time is the sum of what they all reported.
    const reported = await Promise.all(servers.map((s, i) => runAttempts(s, 'race', count, `w${String(i)}`)));
    const counts = await first.jobs.counts('race');
    assert.deepEqual(
      { ...counts, workerSeconds: 0 },
      { ...(await recount(schema, 'race')), workerSeconds: 0 },
    );
    assert.equal(counts.workerSeconds, reported.reduce((a, b) => a + b, 0) / 1000);
    assert.equal(counts.miniBatches.running, 0);
    assert.ok(counts.miniBatches.succeeded > 0 && counts.miniBatches.failed > 0);

    // Now multi-row statements (a takeover's reset and rescore, a cancel) race the single-row ones: each
    // locks many mini-batch rows while the others hold one and want the counts row.
    const succeeded = (await first.jobs.miniBatches('race')).filter((b) => b.state === 'succeeded');
    await Promise.all([
      ...servers.slice(0, 3).map((s, i) => runAttempts(s, 'race', count, `again${String(i)}`)),
      (async () => {
        const [, , , last] = servers as [MetadataStore, MetadataStore, MetadataStore, MetadataStore];
        for (let round = 0; round < 5; round++) {
          await last.jobs.resetRunning('race');
          await last.jobs.rescore(
            'race',
            succeeded.slice(round * 10, round * 10 + 40).map((b) => b.index),
          );
        }
        await last.jobs.cancelOpen('RACE');
      })(),
    ]);
    for (const server of servers) {
      const { workerSeconds, ...rest } = await server.jobs.counts('race');
      assert.ok(workerSeconds > 0);
      assert.deepEqual(rest, await recount(schema, 'race'));
    }
    assert.equal((await first.jobs.counts('race')).miniBatches.running, 0);
  });

  test('a database from before the totals gets them from the mini-batches and worker time it holds', async () => {
    const schema = freshSchema();
    const store = await open(schema);
    await store.jobs.addMiniBatches('old', planned(5));
    await store.jobs.addMiniBatches('other', planned(2));
    await runAttempts(store, 'old', 5, 'w');
    await store.jobs.startAttempt('old', 0, 'w');
    await store.jobs.cancelOpen('other');
    const before = await recount(schema, 'old');
    // As a database of the previous version: no totals, and the worker time on the job's row.
    await query(
      schema,
      `DROP TABLE job_counts;
       DROP FUNCTION job_counts_insert, job_counts_update, job_counts_delete CASCADE;
       DELETE FROM schema_version WHERE version > 5;
       INSERT INTO jobs (name_key, endpoint_key, deployment_key, status, body, worker_ms)
         VALUES ('old', 'e', 'd', 'Running', '{}', 2500);`,
    );
    const reopened = await open(schema);
    assert.deepEqual(await reopened.jobs.counts('OLD'), { ...before, workerSeconds: 2.5 });
    assert.deepEqual((await reopened.jobs.counts('other')).miniBatches.canceled, 2);
    assert.deepEqual((await reopened.jobs.counts('never')).miniBatches.total, 0);
    await reopened.jobs.addMiniBatches('old', planned(6));
    await reopened.jobs.resetRunning('old');
    assert.deepEqual(
      { ...(await reopened.jobs.counts('old')), workerSeconds: 0 },
      {
        ...(await recount(schema, 'old')),
        workerSeconds: 0,
      },
    );
  });
});
