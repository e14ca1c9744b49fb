/**
 * The metadata store contract suite, resources, audit log and pipeline runs: every implementation in
 * metadata-stores.ts must pass it unchanged (the jobs repository has its own file).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeContract } from './implementations.ts';
import { metadataStores } from './metadata-stores.ts';

await describeContract('MetadataStore', metadataStores, (context) => {
  const store = () => context.current();
  test('insert refuses a duplicate key, names compare case-insensitively', async () => {
    assert.equal(await store().resources.insert('endpoint', { name: 'ep-one' }, { n: 1 }), true);
    assert.equal(await store().resources.insert('endpoint', { name: 'EP-ONE' }, { n: 2 }), false);
    assert.deepEqual(await store().resources.get('endpoint', { name: 'Ep-One' }), { n: 1 });
  });

  test('versions and scopes are separate keys; list keeps insertion order', async () => {
    await store().resources.insert('models', { name: 'm', version: '1' }, { v: 1 });
    await store().resources.insert('models', { name: 'm', version: '2' }, { v: 2 });
    await store().resources.insert('models', { name: 'other', version: '1' }, { v: 3 });
    assert.deepEqual(await store().resources.list('models', { name: 'm' }), [{ v: 1 }, { v: 2 }]);
    assert.equal((await store().resources.list('models')).length, 3);
    await store().resources.insert('deployment', { scope: 'a', name: 'd' }, { e: 'a' });
    await store().resources.insert('deployment', { scope: 'b', name: 'd' }, { e: 'b' });
    assert.deepEqual(await store().resources.list('deployment', { scope: 'b' }), [{ e: 'b' }]);
    assert.equal(await store().resources.removeScope('deployment', 'a'), 1);
    assert.equal((await store().resources.list('deployment')).length, 1);
  });

  test('replace and remove report whether the key existed', async () => {
    assert.equal(await store().resources.replace('datastore', { name: 'x' }, {}), false);
    await store().resources.insert('datastore', { name: 'x' }, { a: 1 });
    assert.equal(await store().resources.replace('datastore', { name: 'x' }, { a: 2 }), true);
    assert.deepEqual(await store().resources.get('datastore', { name: 'x' }), { a: 2 });
    assert.equal(await store().resources.remove('datastore', { name: 'x' }), true);
    assert.equal(await store().resources.remove('datastore', { name: 'x' }), false);
  });

  test('every lookup by name ignores its case', async () => {
    await store().resources.insert('deployment', { scope: 'ep', name: 'Blue' }, { d: 1 });
    assert.deepEqual(await store().resources.list('deployment', { scope: 'ep', name: 'BLUE' }), [{ d: 1 }]);
    assert.equal(
      await store().resources.replace('deployment', { scope: 'ep', name: 'blue' }, { d: 2 }),
      true,
    );
    assert.deepEqual(await store().resources.get('deployment', { scope: 'ep', name: 'bLuE' }), { d: 2 });
    assert.equal(await store().resources.remove('deployment', { scope: 'ep', name: 'BLUE' }), true);
    assert.deepEqual(await store().resources.list('deployment'), []);
  });

  test('kinds are separate namespaces, and documents come back as they were stored', async () => {
    const doc = { name: 'x', nested: { list: [1, 'two', null, true], empty: {} }, text: 'é ✓' };
    await store().resources.insert('models', { name: 'x', version: '1' }, doc);
    await store().resources.insert('codes', { name: 'x', version: '1' }, { other: true });
    assert.deepEqual(await store().resources.get('models', { name: 'x', version: '1' }), doc);
    assert.deepEqual(await store().resources.get('codes', { name: 'x', version: '1' }), { other: true });
    assert.equal(await store().resources.get('models', { name: 'x' }), undefined);
    assert.equal(await store().resources.removeScope('models', ''), 1);
    assert.deepEqual(await store().resources.list('codes'), [{ other: true }]);
  });

  test('a lookup holding a NUL character (a fuzzed %00 in a path) finds nothing rather than failing', async () => {
    const odd = 'a\u0000b';
    await store().resources.insert('endpoint', { name: 'ab' }, { n: 1 });
    assert.equal(await store().resources.get('endpoint', { name: odd }), undefined);
    assert.equal(await store().resources.get('models', { name: 'ab', version: '1\u0000' }), undefined);
    assert.deepEqual(await store().resources.list('deployment', { scope: odd, name: odd }), []);
    assert.equal(await store().resources.replace('endpoint', { name: odd }, {}), false);
    assert.equal(await store().resources.remove('endpoint', { scope: odd, name: 'ab' }), false);
    assert.equal(await store().jobs.get(odd), undefined);
    assert.deepEqual(await store().jobs.list({ endpoint: odd }), []);
    assert.deepEqual(await store().jobs.miniBatches(odd), []);
    assert.equal(await store().jobs.update(odd, { status: 'Failed' }), undefined);
    assert.equal(await store().pipelineRuns.getRun(odd), undefined);
    assert.deepEqual(await store().pipelineRuns.listRuns({ pipelineName: odd, status: odd }), []);
    assert.deepEqual(await store().pipelineRuns.activityRuns(odd), []);
    assert.deepEqual(await store().audit.list({ principal: odd, action: odd, since: odd }), []);
    assert.deepEqual(await store().audit.list({ resource: odd, until: odd }), []);
    assert.deepEqual(await store().resources.get('endpoint', { name: 'AB' }), { n: 1 });
  });

  test('everything written is there after the store is closed and opened again', async () => {
    await store().resources.insert('endpoint', { name: 'kept' }, { kept: true });
    await store().audit.append({
      time: '2026-01-01T00:00:00.000Z',
      principalId: 'oid',
      principal: 'app',
      principalType: 'Application',
      action: 'a/write',
      scope: '/s',
      method: 'PUT',
      path: '/p',
      address: '::1',
      status: 201,
      result: 'Succeeded',
    });
    await store().pipelineRuns.saveRun({ runId: 'run', pipelineName: 'P', status: 'Succeeded' });
    const reopened = await context.reopen();
    assert.deepEqual(await reopened.resources.get('endpoint', { name: 'kept' }), { kept: true });
    assert.equal((await reopened.audit.list()).length, 1);
    assert.equal((await reopened.pipelineRuns.getRun('run'))?.status, 'Succeeded');
  });

  test('the audit log lists newest first and filters by time, principal and result', async () => {
    const base = {
      principalType: 'Application',
      scope: '/subscriptions/s',
      method: 'POST',
      path: '/x',
      address: '127.0.0.1',
    };
    await store().audit.append({
      ...base,
      time: '2026-01-01T00:00:00.000Z',
      principalId: 'OID-1',
      principal: 'app-1',
      action: 'a/write',
      status: 200,
      result: 'Succeeded',
    });
    await store().audit.append({
      ...base,
      time: '2026-01-02T00:00:00.000Z',
      principalId: 'oid-2',
      principal: 'app-2',
      action: 'a/read',
      status: 403,
      result: 'Denied',
      detail: 'AuthorizationFailed',
    });
    const all = await store().audit.list();
    assert.deepEqual(
      all.map((e) => e.action),
      ['a/read', 'a/write'],
    );
    assert.ok((all[0]?.seq ?? 0) > (all[1]?.seq ?? 0));
    assert.equal(all[0]?.detail, 'AuthorizationFailed');
    assert.deepEqual(
      (await store().audit.list({ principal: 'oid-1' })).map((e) => e.principal),
      ['app-1'],
    );
    assert.deepEqual(
      (await store().audit.list({ since: '2026-01-01T12:00:00Z' })).map((e) => e.principal),
      ['app-2'],
    );
    assert.deepEqual(
      (await store().audit.list({ result: 'Succeeded' })).map((e) => e.principal),
      ['app-1'],
    );
    assert.equal((await store().audit.list({ limit: 1 })).length, 1);
    assert.deepEqual(
      (await store().audit.list({ action: 'A/WR' })).map((e) => e.action),
      ['a/write'],
    );
  });

  test('audit entries come back whole, numbered by the store whatever seq the caller passed', async () => {
    const entry = {
      time: '2026-03-01T10:00:00.000Z',
      principalId: 'oid-9',
      principal: 'ci-app',
      principalType: 'Application',
      action: 'Microsoft.MachineLearningServices/workspaces/batchEndpoints/jobs/write',
      scope: '/subscriptions/s/resourceGroups/r',
      method: 'POST',
      path: '/endpoints/e/jobs',
      address: '10.0.0.1',
      status: 202,
      result: 'Succeeded' as const,
    };
    await store().audit.append({ ...entry, seq: 1000 });
    await store().audit.append({ ...entry, seq: 1000, status: 403, result: 'Denied', detail: 'Forbidden' });
    const [newest, oldest] = await store().audit.list();
    assert.ok(newest?.seq !== undefined && oldest?.seq !== undefined);
    assert.ok(newest.seq > oldest.seq);
    assert.deepEqual({ ...oldest, seq: undefined }, { ...entry, seq: undefined });
    assert.equal(newest.detail, 'Forbidden');
  });

  test('the audit log filters by resource and end time, and pages by sequence number', async () => {
    const entry = (i: number, path: string) => ({
      time: `2026-02-01T00:00:0${String(i)}.000Z`,
      principalId: 'oid',
      principal: 'app',
      principalType: 'Application',
      action: 'x/write',
      scope: `/subscriptions/s/workspaces/w${path}`,
      method: 'PUT',
      path: `/subscriptions/s/workspaces/w${path}`,
      address: '',
      status: 200,
      result: 'Succeeded' as const,
    });
    await store().audit.append(entry(0, '/batchEndpoints/Alpha'));
    await store().audit.append(entry(1, '/batchEndpoints/beta'));
    await store().audit.append(entry(2, '/batchEndpoints/alpha/deployments/blue'));
    await store().audit.append(entry(3, '/datastores/files'));
    const paths = (list: { path: string }[]) => list.map((e) => e.path.replace(/^.*\/w/, ''));
    assert.deepEqual(paths(await store().audit.list({ resource: 'ENDPOINTS/alpha' })), [
      '/batchEndpoints/alpha/deployments/blue',
      '/batchEndpoints/Alpha',
    ]);
    assert.deepEqual(paths(await store().audit.list({ until: '2026-02-01T00:00:02.000Z' })), [
      '/batchEndpoints/beta',
      '/batchEndpoints/Alpha',
    ]);
    const first = await store().audit.list({ limit: 3 });
    const rest = await store().audit.list({ limit: 3, beforeSeq: first.at(-1)?.seq ?? 0 });
    assert.deepEqual(paths([...first, ...rest]), [
      '/datastores/files',
      '/batchEndpoints/alpha/deployments/blue',
      '/batchEndpoints/beta',
      '/batchEndpoints/Alpha',
    ]);
  });

  test('the audit log gives the newest 100 entries unless asked for another number', async () => {
    for (let i = 0; i < 101; i++) {
      await store().audit.append({
        time: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
        principalId: '',
        principal: '',
        principalType: '',
        action: `step/${i}`,
        scope: '',
        method: 'GET',
        path: '/',
        address: '',
        status: 401,
        result: 'Denied',
      });
    }
    const page = await store().audit.list();
    assert.equal(page.length, 100);
    assert.equal(page[0]?.action, 'step/100');
    assert.equal((await store().audit.list({ limit: 101 })).length, 101);
  });

  test('pipeline runs upsert, list newest first, and keep activity runs in start order', async () => {
    await store().pipelineRuns.saveRun({ runId: 'r1', pipelineName: 'P', status: 'InProgress' });
    await store().pipelineRuns.saveRun({ runId: 'r2', pipelineName: 'Q', status: 'Succeeded' });
    await store().pipelineRuns.saveRun({ runId: 'R1', pipelineName: 'P', status: 'Failed', message: 'x' });
    assert.deepEqual(await store().pipelineRuns.getRun('r1'), {
      runId: 'R1',
      pipelineName: 'P',
      status: 'Failed',
      message: 'x',
    });
    assert.deepEqual(
      (await store().pipelineRuns.listRuns()).map((r) => r.runId),
      ['r2', 'R1'],
    );
    assert.deepEqual(
      (await store().pipelineRuns.listRuns({ pipelineName: 'p' })).map((r) => r.status),
      ['Failed'],
    );
    assert.equal((await store().pipelineRuns.listRuns({ status: 'Succeeded' })).length, 1);
    assert.equal(await store().pipelineRuns.getRun('nope'), undefined);
    await store().pipelineRuns.saveActivityRun({
      activityRunId: 'a',
      pipelineRunId: 'r1',
      status: 'InProgress',
    });
    await store().pipelineRuns.saveActivityRun({
      activityRunId: 'b',
      pipelineRunId: 'r1',
      status: 'InProgress',
    });
    await store().pipelineRuns.saveActivityRun({ activityRunId: 'c', pipelineRunId: 'r2' });
    await store().pipelineRuns.saveActivityRun({
      activityRunId: 'a',
      pipelineRunId: 'r1',
      status: 'Succeeded',
    });
    assert.deepEqual(
      (await store().pipelineRuns.activityRuns('r1')).map((r) => [r.activityRunId, r.status]),
      [
        ['a', 'Succeeded'],
        ['b', 'InProgress'],
      ],
    );
  });
});
