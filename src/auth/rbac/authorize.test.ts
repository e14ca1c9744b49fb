import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionMatches, authorize, isAllowed, ownJobsOnly, roleGrants, scopeCovers } from './authorize.ts';
import { AuthorizationError } from './errors.ts';
import { CONTRIBUTOR, READER } from './roles.ts';

const WS = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w1';
const EP1 = `${WS}/batchEndpoints/ep1`;
const EP2 = `${WS}/batchEndpoints/ep2`;
const ML = 'Microsoft.MachineLearningServices/workspaces';
const INVOKE = `${ML}/batchEndpoints/jobs/write`;
const JOB_READ = `${ML}/jobs/read`;

test('wildcards: * is any run of characters, matching ignores case, dots are literal', () => {
  assert.ok(actionMatches('*', 'anything/at/all'));
  assert.ok(actionMatches('*/read', `${ML}/batchEndpoints/read`));
  assert.ok(!actionMatches('*/read', `${ML}/batchEndpoints/write`));
  assert.ok(
    actionMatches('Microsoft.Authorization/*/Write', 'microsoft.authorization/roleassignments/write'),
  );
  assert.ok(actionMatches(`${ML}/*/read`, `${ML}/batchEndpoints/deployments/read`));
  assert.ok(!actionMatches(`${ML}/*/read`, `${ML}/read`), 'a * between slashes needs a segment');
  assert.ok(!actionMatches('Microsoft.Compute/read', 'MicrosoftXCompute/read'));
  assert.ok(!actionMatches('*/read', `${ML}/readSecrets/action`), 'anchored at the end');
  assert.ok(actionMatches('a*b*c', 'abc'));
});

test('notActions subtract from actions', () => {
  assert.ok(roleGrants(CONTRIBUTOR, 'Microsoft.Authorization/roleAssignments/read'));
  assert.ok(!roleGrants(CONTRIBUTOR, 'Microsoft.Authorization/roleAssignments/write'));
  assert.ok(!roleGrants(CONTRIBUTOR, 'MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/DELETE'));
  assert.ok(!roleGrants(READER, INVOKE));
});

test('scope inheritance: the workspace covers its endpoints, an endpoint only itself and below', () => {
  assert.ok(scopeCovers(WS, EP1));
  assert.ok(scopeCovers(`${WS.toUpperCase()}/`, EP1), 'case and trailing slash are ignored');
  assert.ok(scopeCovers(EP1, `${EP1}/deployments/blue`));
  assert.ok(!scopeCovers(EP1, EP2));
  assert.ok(!scopeCovers(EP1, WS));
  assert.ok(!scopeCovers(EP1, `${WS}/batchEndpoints/ep10`), 'a name prefix is not a parent');
  assert.ok(scopeCovers('/', EP1));
  assert.ok(scopeCovers('/subscriptions/s1', EP1));
  assert.ok(!scopeCovers('/subscriptions/s2', EP1));
});

test('an assignment on one endpoint does not reach another or the workspace', () => {
  const assignments = [{ principalId: 'p1', roleName: 'Batch Endpoint Invoker', scope: EP1 }];
  assert.ok(isAllowed(assignments, 'p1', INVOKE, EP1));
  assert.ok(!isAllowed(assignments, 'p1', INVOKE, EP2));
  assert.ok(!isAllowed(assignments, 'p1', JOB_READ, WS));
  assert.ok(!isAllowed(assignments, 'p2', INVOKE, EP1), 'another principal');
  assert.ok(isAllowed(assignments, 'P1', INVOKE, `${EP1.toLowerCase()}/`), 'ids and scopes in any case');
});

test('assignments by role id, unknown roles and several assignments', () => {
  const assignments = [
    { principalId: 'p1', roleId: READER.id, scope: WS },
    { principalId: 'p1', roleName: 'Janitor', scope: WS },
    {
      principalId: 'p1',
      roleId: `/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR.id}`,
      scope: EP2,
    },
  ];
  assert.ok(isAllowed(assignments, 'p1', `${ML}/batchEndpoints/read`, EP1));
  assert.ok(!isAllowed(assignments, 'p1', `${ML}/batchEndpoints/write`, EP1));
  assert.ok(isAllowed(assignments, 'p1', `${ML}/batchEndpoints/write`, EP2));
  assert.ok(!isAllowed([], 'p1', `${ML}/read`, WS));
});

test('authorize throws a 403 naming action, scope and client', () => {
  const assignments = [{ principalId: 'oid-1', roleName: 'Reader', scope: WS }];
  authorize(assignments, { principalId: 'oid-1' }, `${ML}/batchEndpoints/read`, EP1);
  assert.throws(
    () => {
      authorize(assignments, { principalId: 'oid-1', clientId: 'app-1' }, INVOKE, EP1);
    },
    (e: unknown) =>
      e instanceof AuthorizationError &&
      e.status === 403 &&
      e.code === 'AuthorizationFailed' &&
      e.action === INVOKE &&
      e.scope === EP1 &&
      e.message ===
        `The client 'app-1' with object id 'oid-1' does not have authorization to perform action '${INVOKE}' over scope '${EP1}' or the scope is invalid.`,
  );
});

test('ownJobsOnly holds only when the invoker is the sole path to job reads', () => {
  const invoker = { principalId: 'p1', roleName: 'Batch Endpoint Invoker', scope: WS };
  assert.equal(ownJobsOnly([invoker], 'p1', EP1), true);
  assert.equal(
    ownJobsOnly([invoker, { principalId: 'p1', roleName: 'Reader', scope: EP1 }], 'p1', EP1),
    false,
  );
  assert.equal(
    ownJobsOnly([invoker, { principalId: 'p1', roleName: 'Reader', scope: EP2 }], 'p1', EP1),
    true,
    'a Reader assignment elsewhere does not widen this scope',
  );
  assert.equal(ownJobsOnly([], 'p1', EP1), false);
  assert.equal(ownJobsOnly([invoker], 'p2', EP1), false);
});

test('data actions are authorized through dataActions, with the own-jobs rule for invokers', () => {
  const OUTPUTS = `${ML}/jobs/outputs/read`;
  const invoker = { principalId: 'p1', roleName: 'Batch Endpoint Invoker', scope: EP1 };
  const reader = { principalId: 'p2', roleName: 'Reader', scope: WS };
  authorize([invoker], { principalId: 'p1' }, OUTPUTS, `${EP1}/jobs/j1`, 'dataAction');
  assert.throws(() => {
    authorize([reader], { principalId: 'p2' }, OUTPUTS, `${EP1}/jobs/j1`, 'dataAction');
  }, AuthorizationError);
  assert.throws(() => {
    authorize([invoker], { principalId: 'p1' }, OUTPUTS, `${EP2}/jobs/j1`, 'dataAction');
  }, AuthorizationError);
  assert.equal(ownJobsOnly([invoker], 'p1', EP1, OUTPUTS, 'dataAction'), true);
  const contributor = { principalId: 'p1', roleName: 'Contributor', scope: WS };
  assert.equal(ownJobsOnly([invoker, contributor], 'p1', EP1, OUTPUTS, 'dataAction'), false);
});
