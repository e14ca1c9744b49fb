import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Principal } from '../auth/principal.ts';
import { AuthorizationError } from '../auth/rbac/errors.ts';
import type { JobRecord } from '../core/jobs.ts';
import { decide, permissionFor, withJob, type DecisionInput } from './access-decision.ts';
import type { ProtectedAccess } from './route-table.ts';

const WS = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w1';
const ML = 'Microsoft.MachineLearningServices/workspaces';

const principal = (objectId: string, actor = objectId): Principal => ({
  objectId,
  clientId: `app-${objectId}`,
  displayName: objectId,
  type: 'Application',
  actor,
});

const job = (createdBy: string): JobRecord =>
  ({ name: 'j1', endpointName: 'ep1', systemData: { createdBy } }) as unknown as JobRecord;

function input(over: Partial<DecisionInput>): DecisionInput {
  const access = over.access ?? { action: `${ML}/read`, scope: 'workspace' };
  return {
    assignments: [],
    principal: principal('p1'),
    access,
    permission: permissionFor(access, over.params ?? {}, WS, undefined),
    job: undefined,
    params: {},
    servicePrincipalOwners: () => Promise.resolve([]),
    ...over,
  };
}

test('scopes come from the decoded params and the hosted workspace, never the path prefix', () => {
  const at = (scope: ProtectedAccess['scope'], params: Record<string, string>) =>
    permissionFor({ action: 'a', scope }, params, `${WS}/`, undefined).scope;
  assert.equal(at('workspace', { workspaceName: 'other' }), WS);
  assert.equal(at('endpoint', { endpoint: 'my ep' }), `${WS}/batchEndpoints/my ep`);
  assert.equal(at('job', { job: 'j1' }), `${WS}/jobs/j1`);
  const access: ProtectedAccess = { action: 'a', scope: 'job' };
  const found = withJob(permissionFor(access, { job: 'j1' }, WS, undefined), access, job('x'), WS);
  assert.equal(found.scope, `${WS}/batchEndpoints/ep1/jobs/j1`);
});

test('the deployment header turns an invoke into a deployment job write', () => {
  const access: ProtectedAccess = {
    action: 'ep/jobs/write',
    withDeploymentHeader: 'dep/jobs/write',
    scope: 'endpoint',
  };
  assert.equal(permissionFor(access, { endpoint: 'e' }, WS, undefined).action, 'ep/jobs/write');
  assert.equal(permissionFor(access, { endpoint: 'e' }, WS, 'blue').action, 'dep/jobs/write');
});

test('an owner of the named service principal may act without the role; others may not', async () => {
  const access: ProtectedAccess = {
    action: 'Microsoft.Directory/servicePrincipals/resetSecret/action',
    scope: 'workspace',
    servicePrincipalOwner: 'appId',
  };
  const contributor = [{ principalId: 'p1', roleName: 'Contributor', scope: WS }];
  const owners = (appId: string) => Promise.resolve(appId === 'mine' ? ['P1'] : ['someone']);
  const base = { access, assignments: contributor, servicePrincipalOwners: owners };
  assert.deepEqual(await decide(input({ ...base, params: { appId: 'mine' } })), { ownJobsOnly: false });
  await assert.rejects(decide(input({ ...base, params: { appId: 'theirs' } })), AuthorizationError);
  // Without the route's declaration, ownership grants nothing.
  const plain = { ...access, servicePrincipalOwner: undefined };
  await assert.rejects(
    decide(input({ ...base, access: plain, params: { appId: 'mine' } })),
    AuthorizationError,
  );
});

test("an invoker is refused another principal's job, and its lists are narrowed", async () => {
  const access: ProtectedAccess = { action: `${ML}/jobs/read`, scope: 'endpoint', ownJobs: true };
  const invoker = [{ principalId: 'p1', roleName: 'Batch Endpoint Invoker', scope: WS }];
  const params = { endpoint: 'ep1', job: 'j1' };
  const me = principal('p1', 'app-1');
  const base = { access, assignments: invoker, params, principal: me };
  assert.deepEqual(await decide(input({ ...base, job: job('APP-1') })), { ownJobsOnly: true });
  await assert.rejects(decide(input({ ...base, job: job('app-2') })), /jobs created by others/);
  const reader = [...invoker, { principalId: 'p1', roleName: 'Reader', scope: WS }];
  assert.deepEqual(await decide(input({ ...base, assignments: reader, job: job('app-2') })), {
    ownJobsOnly: false,
  });
});

test('data actions need dataActions: a Reader may not read job outputs', async () => {
  const access: ProtectedAccess = {
    action: `${ML}/jobs/outputs/read`,
    kind: 'dataAction',
    scope: 'job',
    ownJobs: true,
  };
  const reader = [{ principalId: 'p1', roleName: 'Reader', scope: WS }];
  await assert.rejects(
    decide(input({ access, assignments: reader, params: { job: 'j1' } })),
    AuthorizationError,
  );
});
