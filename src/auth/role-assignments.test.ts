// Role assignments: assignee resolution, scope rules, duplicates, filters, deletion and the per-principal cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { createIdentityService } from './identity-service.ts';
import { anonymousPrincipal } from './principal.ts';
import { createRoleAssignmentService } from './role-assignments.ts';
import { ConflictError, ValidationError } from '../core/errors.ts';

const WS = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w1';
const ME = anonymousPrincipal('tester');

test('assignments resolve assignees, check scopes, refuse duplicates and delete by filter', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nightshift-assign-'));
  const store = createSqliteStore(join(dir, 'metadata.db'));
  try {
    const identities = createIdentityService({ repo: store.resources });
    const service = createRoleAssignmentService({ repo: store.resources, identities, workspaceArmId: WS });
    const { principal: sp } = await identities.createServicePrincipal('app');
    const mi = await identities.createManagedIdentity('worker');

    const a = await service.create({ assignee: sp.appId, role: 'reader' }, ME);
    assert.equal(a.principalId, sp.objectId);
    assert.equal(a.scope, WS);
    assert.equal(a.roleDefinitionName, 'Reader');
    assert.equal(a.id, `${WS}/providers/Microsoft.Authorization/roleAssignments/${a.name}`);
    await assert.rejects(
      service.create({ assignee: sp.objectId, role: 'Reader', scope: `${WS}/` }, ME),
      ConflictError,
    );

    const ep = `${WS}/batchEndpoints/ep1`;
    const b = await service.create({ assignee: 'worker', role: 'Batch Endpoint Invoker', scope: ep }, ME);
    assert.equal(b.principalId, mi.objectId);
    // A parent of the workspace is a valid scope; a sibling workspace is not.
    await service.create({ assignee: mi.clientId, role: 'Reader', scope: '/subscriptions/s1' }, ME);
    await assert.rejects(
      service.create({ assignee: sp.appId, role: 'Reader', scope: '/subscriptions/s2' }, ME),
      (e: unknown) => e instanceof ValidationError && /is not this server's workspace/.test(e.message),
    );
    await assert.rejects(
      service.create({ assignee: 'nobody', role: 'Reader' }, ME),
      /Cannot find a principal/,
    );
    await assert.rejects(service.create({ assignee: sp.appId, role: 'Janitor' }, ME), /Known roles/);
    // An unknown GUID is taken as an external principal's object id.
    const ext = await service.create(
      { assignee: '11111111-2222-3333-4444-555555555555', role: 'Reader' },
      ME,
    );
    assert.equal(ext.principalType, 'User');

    assert.equal((await service.forPrincipal(mi.objectId)).length, 2);
    assert.deepEqual(
      (await service.list({ scope: ep })).map((x) => x.name),
      [b.name],
    );
    assert.equal((await service.list({ role: 'Reader' })).length, 3);
    const removed = await service.delete({ assignee: 'worker', role: 'Reader' });
    assert.equal(removed.length, 1);
    await assert.rejects(service.delete({}), /Say which assignments/);
    await service.delete({ id: a.id });
    assert.equal((await service.forPrincipal(sp.objectId)).length, 0);
    await service.removePrincipal(mi.objectId);
    assert.equal((await service.forPrincipal(mi.objectId)).length, 0);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
