import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionFor } from './actions.ts';

const WS = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w1';
const ML = 'Microsoft.MachineLearningServices/workspaces';
const EP = `${WS}/batchEndpoints/ep1`;

// [method, path, action, scope]; paths after ~ are relative to the workspace.
const routes: [string, string, string, string][] = [
  ['GET', '~/datastores', 'datastores/read', WS],
  ['GET', '~/datastores/blob', 'datastores/read', WS],
  ['PUT', '~/datastores/blob', 'datastores/write', WS],
  ['PUT', '~/datastores/blob/paths/in/a.csv', 'datastores/write', WS],
  ['GET', '~/datastores/blob/paths/in/a.csv?api-version=2024-04-01', 'datastores/read', WS],
  ['GET', '~/data', 'data/read', WS],
  ['GET', '~/models/m', 'models/read', WS],
  ['GET', '~/environments/e/versions', 'environments/versions/read', WS],
  ['GET', '~/codes/c/versions/1', 'codes/versions/read', WS],
  ['PUT', '~/data/d/versions/3', 'data/versions/write', WS],
  ['PUT', '~/models/m/versions/1', 'models/versions/write', WS],
  ['GET', '~/batchEndpoints', 'batchEndpoints/read', WS],
  ['GET', '~/batchEndpoints/ep1', 'batchEndpoints/read', EP],
  ['PUT', '~/batchEndpoints/ep1', 'batchEndpoints/write', EP],
  ['PATCH', '~/batchEndpoints/ep1', 'batchEndpoints/write', EP],
  ['DELETE', '~/batchEndpoints/ep1', 'batchEndpoints/delete', EP],
  ['GET', '~/batchEndpoints/ep1/deployments', 'batchEndpoints/deployments/read', EP],
  ['GET', '~/batchEndpoints/ep1/deployments/blue', 'batchEndpoints/deployments/read', EP],
  ['PUT', '~/batchEndpoints/ep1/deployments/blue', 'batchEndpoints/deployments/write', EP],
  ['DELETE', '~/batchEndpoints/ep1/deployments/blue', 'batchEndpoints/deployments/delete', EP],
  ['POST', '~/batchEndpoints/ep1/jobs', 'batchEndpoints/jobs/write', EP],
  ['GET', '~/batchEndpoints/ep1/jobs', 'jobs/read', EP],
  ['GET', '~/batchEndpoints/ep1/jobs/j1', 'jobs/read', EP],
  ['GET', '~/batchEndpoints/ep1/deployments/blue/jobs', 'jobs/read', EP],
  ['GET', '~/batchEndpoints/ep1/deployments/blue/jobs/j1', 'jobs/read', EP],
  ['POST', '/endpoints/ep1/jobs', 'batchEndpoints/jobs/write', EP],
  ['GET', '/endpoints/ep1/jobs', 'jobs/read', EP],
  ['GET', '/endpoints/ep1/jobs/j1', 'jobs/read', EP],
  ['GET', '~/jobs', 'jobs/read', WS],
  ['GET', '~/jobs/j1', 'jobs/read', `${WS}/jobs/j1`],
  ['POST', '~/jobs/j1/cancel', 'jobs/cancel/action', `${WS}/jobs/j1`],
  ['GET', '~/jobs/j1/logs', 'jobs/read', `${WS}/jobs/j1`],
  ['GET', '~/jobs/j1/logs/user/logs/std_log.txt', 'jobs/read', `${WS}/jobs/j1`],
];

test('every route family maps to its action and scope', () => {
  for (const [method, p, action, scope] of routes) {
    const path = p.replace('~', WS);
    const got = actionFor(method, path, WS);
    assert.deepEqual(
      got && { action: got.action, scope: got.scope },
      { action: `${ML}/${action}`, scope },
      `${method} ${p}`,
    );
  }
});

test('names in the path are reported for audit and own-job checks', () => {
  assert.deepEqual(actionFor('GET', '/endpoints/ep1/jobs/j1', WS), {
    action: `${ML}/jobs/read`,
    scope: EP,
    endpoint: 'ep1',
    job: 'j1',
  });
  assert.equal(actionFor('POST', `${WS}/jobs/j1/cancel`, WS)?.job, 'j1');
});

test('invoking with a deployment header is a deployment job write', () => {
  assert.equal(
    actionFor('POST', '/endpoints/ep1/jobs', WS, { deployment: 'blue' })?.action,
    `${ML}/batchEndpoints/deployments/jobs/write`,
  );
});

test('the scope comes from the hosted workspace, whatever case or prefix the path uses', () => {
  const upper = `${WS.toUpperCase().replace('W1', 'other')}/BATCHENDPOINTS/ep1`;
  assert.deepEqual(actionFor('get', upper, `${WS}/`), {
    action: `${ML}/batchEndpoints/read`,
    scope: EP,
    endpoint: 'ep1',
  });
  assert.equal(actionFor('GET', '/endpoints/my%20ep/jobs', WS)?.scope, `${WS}/batchEndpoints/my ep`);
});

test('public routes map to undefined', () => {
  for (const path of [
    '/healthz',
    '/info',
    '/openapi.json',
    '/tenant-1/oauth2/token',
    '/tenant-1/oauth2/v2.0/token',
    '/tenant-1/v2.0/.well-known/openid-configuration',
    '/metadata/identity/oauth2/token?resource=https://ml.azure.com',
  ]) {
    assert.equal(actionFor('GET', path, WS), undefined, path);
  }
  assert.equal(actionFor('OPTIONS', `${WS}/batchEndpoints`, WS), undefined);
});

test('unknown paths under the API fail closed to a workspace right', () => {
  const read = { action: `${ML}/read`, scope: WS };
  const write = { action: `${ML}/write`, scope: WS };
  assert.deepEqual(actionFor('GET', WS, WS), read);
  assert.deepEqual(actionFor('GET', `${WS}/computes/c1`, WS), read);
  assert.deepEqual(actionFor('DELETE', `${WS}/datastores/blob`, WS), write);
  assert.deepEqual(actionFor('POST', `${WS}/jobs`, WS), write);
  assert.deepEqual(actionFor('GET', '/endpoints/ep1', WS), read);
  assert.deepEqual(actionFor('GET', '/endpoints/%E0%A4%A/jobs', WS), read);
  assert.deepEqual(actionFor('PUT', `${WS}/models/m/versions`, WS), write);
  assert.deepEqual(actionFor('GET', '/subscriptions/s1', WS), read);
});

test("Nightshift's own management routes map to their providers' actions; the tenant's token routes stay public", () => {
  const cases: [string, string, string | undefined][] = [
    ['GET', '/nightshift/servicePrincipals', 'Microsoft.Directory/servicePrincipals/read'],
    ['POST', '/nightshift/servicePrincipals', 'Microsoft.Directory/servicePrincipals/write'],
    ['DELETE', '/nightshift/servicePrincipals/abc', 'Microsoft.Directory/servicePrincipals/delete'],
    [
      'POST',
      '/nightshift/servicePrincipals/abc/resetSecret',
      'Microsoft.Directory/servicePrincipals/resetSecret/action',
    ],
    ['POST', '/nightshift/managedIdentities', 'Microsoft.ManagedIdentity/userAssignedIdentities/write'],
    ['POST', '/nightshift/roleAssignments', 'Microsoft.Authorization/roleAssignments/write'],
    ['POST', '/nightshift/roleAssignments/delete', 'Microsoft.Authorization/roleAssignments/delete'],
    ['DELETE', '/nightshift/roleAssignments/x', 'Microsoft.Authorization/roleAssignments/delete'],
    ['GET', '/nightshift/roleDefinitions', 'Microsoft.Authorization/roleDefinitions/read'],
    ['GET', '/nightshift/auditLogs?limit=5', 'Microsoft.Insights/eventtypes/values/read'],
    [
      'POST',
      '/nightshift/pipelines/p/createRun',
      'Microsoft.DataFactory/factories/pipelines/createRun/action',
    ],
    ['GET', '/nightshift/unknown', `${ML}/read`],
    ['POST', '/nightshift/oauth2/token', undefined],
    ['GET', '/nightshift/.well-known/openid-configuration', undefined],
    ['GET', '/nightshift/discovery/v2.0/keys', undefined],
  ];
  for (const [method, path, action] of cases) {
    const got = actionFor(method, path, WS);
    assert.equal(got?.action, action, `${method} ${path}`);
    if (got) assert.equal(got.scope, WS);
  }
});

test("Data Factory's pipeline paths map to Data Factory's actions at the workspace's scope", () => {
  const F = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.DataFactory/factories/w1';
  const DFA = 'Microsoft.DataFactory/factories';
  const cases: [string, string, string][] = [
    ['GET', `${F}/pipelines`, `${DFA}/pipelines/read`],
    ['PUT', `${F}/pipelines/Run-BatchEndpoint`, `${DFA}/pipelines/write`],
    ['DELETE', `${F}/pipelines/p`, `${DFA}/pipelines/delete`],
    ['POST', `${F}/pipelines/p/createRun?api-version=2018-06-01`, `${DFA}/pipelines/createrun/action`],
    ['GET', `${F}/pipelineruns/r1`, `${DFA}/pipelineruns/read`],
    ['POST', `${F}/pipelineruns/r1/queryActivityruns`, `${DFA}/pipelineruns/queryactivityruns/action`],
    ['POST', `${F}/pipelineruns/r1/cancel`, `${DFA}/pipelineruns/cancel/action`],
    ['POST', `${F}/queryPipelineRuns`, `${DFA}/querypipelineruns/action`],
    ['POST', `${F}/pipelines/p/other`, `${ML}/write`],
  ];
  for (const [method, path, action] of cases) {
    const got = actionFor(method, path, WS);
    assert.equal(got?.action, action, `${method} ${path}`);
    assert.equal(got.scope, WS);
  }
});
