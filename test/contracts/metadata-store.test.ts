/**
 * The metadata store contract suite: every implementation must pass it unchanged.
 */
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetadataStore } from '../../src/store/contract.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

const implementations: { name: string; open: (dir: string) => MetadataStore }[] = [
  { name: 'sqlite', open: (dir) => createSqliteStore(join(dir, 'meta.db')) },
];

for (const impl of implementations) {
  describe(`MetadataStore contract: ${impl.name}`, () => {
    let dir: string;
    let store: MetadataStore;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'ns-store-'));
      store = impl.open(dir);
    });
    afterEach(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('insert refuses a duplicate key, names compare case-insensitively', async () => {
      assert.equal(await store.resources.insert('endpoint', { name: 'ep-one' }, { n: 1 }), true);
      assert.equal(await store.resources.insert('endpoint', { name: 'EP-ONE' }, { n: 2 }), false);
      assert.deepEqual(await store.resources.get('endpoint', { name: 'Ep-One' }), { n: 1 });
    });

    test('versions and scopes are separate keys; list keeps insertion order', async () => {
      await store.resources.insert('models', { name: 'm', version: '1' }, { v: 1 });
      await store.resources.insert('models', { name: 'm', version: '2' }, { v: 2 });
      await store.resources.insert('models', { name: 'other', version: '1' }, { v: 3 });
      assert.deepEqual(await store.resources.list('models', { name: 'm' }), [{ v: 1 }, { v: 2 }]);
      assert.equal((await store.resources.list('models')).length, 3);
      await store.resources.insert('deployment', { scope: 'a', name: 'd' }, { e: 'a' });
      await store.resources.insert('deployment', { scope: 'b', name: 'd' }, { e: 'b' });
      assert.deepEqual(await store.resources.list('deployment', { scope: 'b' }), [{ e: 'b' }]);
      assert.equal(await store.resources.removeScope('deployment', 'a'), 1);
      assert.equal((await store.resources.list('deployment')).length, 1);
    });

    test('replace and remove report whether the key existed', async () => {
      assert.equal(await store.resources.replace('datastore', { name: 'x' }, {}), false);
      await store.resources.insert('datastore', { name: 'x' }, { a: 1 });
      assert.equal(await store.resources.replace('datastore', { name: 'x' }, { a: 2 }), true);
      assert.deepEqual(await store.resources.get('datastore', { name: 'x' }), { a: 2 });
      assert.equal(await store.resources.remove('datastore', { name: 'x' }), true);
      assert.equal(await store.resources.remove('datastore', { name: 'x' }), false);
    });

    test('the audit log lists newest first and filters by time, principal and result', async () => {
      const base = {
        principalType: 'Application',
        scope: '/subscriptions/s',
        method: 'POST',
        path: '/x',
        address: '127.0.0.1',
      };
      await store.audit.append({
        ...base,
        time: '2026-01-01T00:00:00.000Z',
        principalId: 'OID-1',
        principal: 'app-1',
        action: 'a/write',
        status: 200,
        result: 'Succeeded',
      });
      await store.audit.append({
        ...base,
        time: '2026-01-02T00:00:00.000Z',
        principalId: 'oid-2',
        principal: 'app-2',
        action: 'a/read',
        status: 403,
        result: 'Denied',
        detail: 'AuthorizationFailed',
      });
      const all = await store.audit.list();
      assert.deepEqual(
        all.map((e) => e.action),
        ['a/read', 'a/write'],
      );
      assert.ok((all[0]?.seq ?? 0) > (all[1]?.seq ?? 0));
      assert.equal(all[0]?.detail, 'AuthorizationFailed');
      assert.deepEqual(
        (await store.audit.list({ principal: 'oid-1' })).map((e) => e.principal),
        ['app-1'],
      );
      assert.deepEqual(
        (await store.audit.list({ since: '2026-01-01T12:00:00Z' })).map((e) => e.principal),
        ['app-2'],
      );
      assert.deepEqual(
        (await store.audit.list({ result: 'Succeeded' })).map((e) => e.principal),
        ['app-1'],
      );
      assert.equal((await store.audit.list({ limit: 1 })).length, 1);
      assert.deepEqual(
        (await store.audit.list({ action: 'A/WR' })).map((e) => e.action),
        ['a/write'],
      );
    });

    test('pipeline runs upsert, list newest first, and keep activity runs in start order', async () => {
      await store.pipelineRuns.saveRun({ runId: 'r1', pipelineName: 'P', status: 'InProgress' });
      await store.pipelineRuns.saveRun({ runId: 'r2', pipelineName: 'Q', status: 'Succeeded' });
      await store.pipelineRuns.saveRun({ runId: 'R1', pipelineName: 'P', status: 'Failed', message: 'x' });
      assert.deepEqual(await store.pipelineRuns.getRun('r1'), {
        runId: 'R1',
        pipelineName: 'P',
        status: 'Failed',
        message: 'x',
      });
      assert.deepEqual(
        (await store.pipelineRuns.listRuns()).map((r) => r.runId),
        ['r2', 'R1'],
      );
      assert.deepEqual(
        (await store.pipelineRuns.listRuns({ pipelineName: 'p' })).map((r) => r.status),
        ['Failed'],
      );
      assert.equal((await store.pipelineRuns.listRuns({ status: 'Succeeded' })).length, 1);
      assert.equal(await store.pipelineRuns.getRun('nope'), undefined);
      await store.pipelineRuns.saveActivityRun({
        activityRunId: 'a',
        pipelineRunId: 'r1',
        status: 'InProgress',
      });
      await store.pipelineRuns.saveActivityRun({
        activityRunId: 'b',
        pipelineRunId: 'r1',
        status: 'InProgress',
      });
      await store.pipelineRuns.saveActivityRun({ activityRunId: 'c', pipelineRunId: 'r2' });
      await store.pipelineRuns.saveActivityRun({
        activityRunId: 'a',
        pipelineRunId: 'r1',
        status: 'Succeeded',
      });
      assert.deepEqual(
        (await store.pipelineRuns.activityRuns('r1')).map((r) => [r.activityRunId, r.status]),
        [
          ['a', 'Succeeded'],
          ['b', 'InProgress'],
        ],
      );
    });
  });
}
