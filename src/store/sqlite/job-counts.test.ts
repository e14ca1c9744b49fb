import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { createSqliteStore } from './sqlite-store.ts';

test('a database from before the tallies gets its counts from the mini-batches it already holds', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-tallies-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'meta.db');
  const store = createSqliteStore(file);
  await store.jobs.addMiniBatches('old', [
    { index: 0, files: ['a', 'b'] },
    { index: 1, files: ['c'] },
  ]);
  await store.jobs.startAttempt('old', 0, 'w');
  await store.jobs.finishAttempt('old', 0, {
    state: 'succeeded',
    succeeded: 2,
    failed: 0,
    rowsWritten: 2,
    worker: 'w',
    elapsedMs: 1,
  });
  await store.close();
  // As the data dir of a server from before: no tallies, no triggers, no driver lease columns and no
  // worker time (which came after), schema at version 5.
  const db = new DatabaseSync(file);
  db.exec(`DROP TABLE mini_batch_tallies;
    DROP TRIGGER mini_batches_tally_insert;
    DROP TRIGGER mini_batches_tally_update;
    DROP TRIGGER mini_batches_tally_delete;
    DROP INDEX jobs_by_seq; DROP INDEX jobs_by_deployment; DROP INDEX jobs_by_status;
    DROP INDEX jobs_by_creator; DROP INDEX jobs_by_created_at; DROP INDEX jobs_by_endpoint_day; DROP INDEX jobs_by_model;
    ALTER TABLE jobs DROP COLUMN created_at;
    ALTER TABLE jobs DROP COLUMN created_by;
    ALTER TABLE jobs DROP COLUMN created_by_id;
    ALTER TABLE jobs DROP COLUMN model_name;
    ALTER TABLE jobs DROP COLUMN model_version;
    ALTER TABLE jobs DROP COLUMN driver;
    ALTER TABLE jobs DROP COLUMN driver_until;
    ALTER TABLE jobs DROP COLUMN worker_ms;
    DELETE FROM schema_version WHERE version > 5;`);
  db.close();

  const reopened = createSqliteStore(file);
  t.after(() => reopened.close());
  assert.deepEqual(await reopened.jobs.counts('old'), {
    miniBatches: { total: 2, pending: 1, running: 0, succeeded: 1, failed: 0, canceled: 0 },
    items: { total: 3, succeeded: 2, failed: 0 },
    rows: 2,
    workerSeconds: 0,
  });
  await reopened.jobs.startAttempt('old', 1, 'w');
  assert.equal((await reopened.jobs.counts('old')).miniBatches.running, 1, 'and keeps them from then on');
});
