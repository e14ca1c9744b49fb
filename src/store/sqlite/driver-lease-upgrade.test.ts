/**
 * A data dir from before driver leases: its jobs get the lease columns at the next start, with no driver,
 * and can be claimed at once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { createSqliteStore } from './sqlite-store.ts';

test('jobs stored before driver leases existed have no driver and can be claimed after the upgrade', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-leases-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'meta.db');
  const store = createSqliteStore(file);
  const body = { name: 'old', endpointName: 'e', deploymentName: 'd', status: 'Running' };
  store.db
    .prepare(
      `INSERT INTO jobs (name, endpoint, deployment, status, body, seq) VALUES ('old', 'e', 'd', 'Running', ?, 1)`,
    )
    .run(JSON.stringify(body));
  await store.close();
  // As the data dir of a server from before: no lease columns and no worker time (which came after),
  // schema at version 6.
  const db = new DatabaseSync(file);
  // The jobs list's columns came later still (job-pages-upgrade.test.ts); their indexes go first.
  db.exec(`DROP INDEX jobs_by_seq; DROP INDEX jobs_by_deployment; DROP INDEX jobs_by_status;
    DROP INDEX jobs_by_creator; DROP INDEX jobs_by_created_at; DROP INDEX jobs_by_endpoint_day; DROP INDEX jobs_by_model;
    ALTER TABLE jobs DROP COLUMN created_at;
    ALTER TABLE jobs DROP COLUMN created_by;
    ALTER TABLE jobs DROP COLUMN created_by_id;
    ALTER TABLE jobs DROP COLUMN model_name;
    ALTER TABLE jobs DROP COLUMN model_version;
    ALTER TABLE jobs DROP COLUMN driver;
    ALTER TABLE jobs DROP COLUMN driver_until;
    ALTER TABLE jobs DROP COLUMN worker_ms;
    DELETE FROM schema_version WHERE version > 6;`);
  db.close();

  const reopened = createSqliteStore(file);
  t.after(() => reopened.close());
  assert.equal(await reopened.jobs.driverOf('old'), undefined);
  assert.equal(await reopened.jobs.claimDriver('old', 'server-a', 1_000, 0), true);
  assert.deepEqual(await reopened.jobs.driverOf('OLD'), { owner: 'server-a', expiresAt: 1_000 });
  assert.equal((await reopened.jobs.get('old'))?.status, 'Running');
});
