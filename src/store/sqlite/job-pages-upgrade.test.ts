/**
 * A data dir from before the jobs list had filters: at the next start its jobs get their creator,
 * creation time and model as columns, read from the stored bodies, so the list's filters find the jobs made before
 * the upgrade as they find new ones.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { createSqliteStore } from './sqlite-store.ts';

/** Takes the jobs list's columns and indexes away again, as a data dir from before them has none. */
const JOB_LIST_COLUMNS_DROPPED = `
  DROP INDEX jobs_by_seq; DROP INDEX jobs_by_deployment; DROP INDEX jobs_by_status;
  DROP INDEX jobs_by_creator; DROP INDEX jobs_by_created_at; DROP INDEX jobs_by_endpoint_day; DROP INDEX jobs_by_model;
  ALTER TABLE jobs DROP COLUMN created_at;
  ALTER TABLE jobs DROP COLUMN created_by;
  ALTER TABLE jobs DROP COLUMN created_by_id;
  ALTER TABLE jobs DROP COLUMN model_name;
  ALTER TABLE jobs DROP COLUMN model_version;`;

test('jobs stored before the list had filters are found by creator, time and model after the upgrade', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-job-pages-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'meta.db');
  const store = createSqliteStore(file);
  const body = {
    name: 'old',
    endpointName: 'e',
    deploymentName: 'd',
    status: 'Completed',
    systemData: { createdAt: '2026-02-03T04:05:06.000Z', createdBy: 'Ann', createdById: 'OID-1' },
    runtime: { modelName: 'Scorer', modelVersion: '3' },
  };
  store.db
    .prepare(
      `INSERT INTO jobs (name, endpoint, deployment, status, body, seq) VALUES ('old', 'e', 'd', 'Completed', ?, 1)`,
    )
    .run(JSON.stringify(body));
  await store.close();
  const db = new DatabaseSync(file);
  db.exec(`${JOB_LIST_COLUMNS_DROPPED}
    DELETE FROM schema_version WHERE version > 8;`);
  db.close();

  const reopened = createSqliteStore(file);
  t.after(() => reopened.close());
  const names = async (filter: Parameters<typeof reopened.jobs.page>[0]) =>
    (await reopened.jobs.page(filter)).jobs.map((j) => j.name);
  assert.deepEqual(await names({ creator: 'ann', limit: 5 }), ['old']);
  assert.deepEqual(await names({ owner: { objectId: 'oid-1', name: 'x' }, limit: 5 }), ['old']);
  assert.deepEqual(
    await names({ since: '2026-02-03T00:00:00.000Z', until: '2026-02-04T00:00:00.000Z', limit: 5 }),
    ['old'],
  );
  assert.deepEqual(await names({ since: '2026-02-04T00:00:00.000Z', limit: 5 }), []);
  assert.deepEqual(await names({ model: 'scorer', modelVersion: '3', limit: 5 }), ['old']);
  assert.deepEqual(await names({ model: 'scorer', modelVersion: '2', limit: 5 }), []);
});
