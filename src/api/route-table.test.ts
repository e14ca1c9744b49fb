/**
 * The route table's access declarations, checked the way the server applies them: each path goes
 * through the real router (with the server's routing options) and the matched route's declared access
 * is turned into the action and scope the access hook would check.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiServices } from './context.ts';
import { permissionFor } from './access-decision.ts';
import { ROUTER_OPTIONS, routeTable } from './http-app.ts';
import { registerRoutes } from './register-routes.ts';
import { guardRoutes } from './route-guard.ts';
import { isPublic, type RouteInfo } from './route-table.ts';

const WS = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w1';
const ML = 'Microsoft.MachineLearningServices/workspaces';
const EP = `${WS}/batchEndpoints/ep1`;
const F = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.DataFactory/factories/w1';
const DF = 'Microsoft.DataFactory/factories';

let app: FastifyInstance;
let routes: RouteInfo[];

before(async () => {
  app = Fastify({ routerOptions: ROUTER_OPTIONS });
  routes = guardRoutes(app);
  // Only the declarations are exercised: the hook answers before any handler (or service) runs, with a
  // status no route declares, so the route's response schema does not reshape the answer.
  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (request.is404 || access === undefined) return reply.status(444).send({ matched: false });
    if (isPublic(access)) return reply.status(222).send({ public: access.public });
    const header = request.headers['azureml-model-deployment'];
    const params = request.params as Record<string, string>;
    const p = permissionFor(access, params, WS, typeof header === 'string' ? header : undefined);
    return reply.status(222).send({
      ...p,
      kind: p.kind,
      ownJobs: access.ownJobs === true,
      url: request.routeOptions.url,
    });
  });
  await registerRoutes(
    app,
    routeTable({ auth: { access: { mode: 'token' } } } as unknown as ApiServices, app),
    { maxUploadBytes: 1 },
  );
  await app.ready();
});

async function decided(method: string, path: string, headers: Record<string, string> = {}) {
  const reply = await app.inject({ method: method as 'GET', url: path, headers });
  return reply.json<{ action?: string; scope?: string; kind?: string; job?: string; public?: string }>();
}

// [method, path, action, scope]; paths after ~ are relative to the workspace.
const table: [string, string, string, string][] = [
  ['GET', '~/datastores', `${ML}/datastores/read`, WS],
  ['GET', '~/datastores/blob', `${ML}/datastores/read`, WS],
  ['PUT', '~/datastores/blob', `${ML}/datastores/write`, WS],
  ['PUT', '~/datastores/blob/paths/in/a.csv', `${ML}/datastores/paths/write`, `${WS}/datastores/blob`],
  [
    'GET',
    '~/datastores/blob/paths/in/a.csv?api-version=2024-04-01',
    `${ML}/datastores/paths/read`,
    `${WS}/datastores/blob`,
  ],
  ['GET', '~/datastores/blob/folders?path=in', `${ML}/datastores/paths/read`, `${WS}/datastores/blob`],
  ['GET', '~/datastores/blob/preview/in/a.csv', `${ML}/datastores/paths/read`, `${WS}/datastores/blob`],
  ['GET', '~/data', `${ML}/data/read`, WS],
  ['GET', '~/models/m', `${ML}/models/read`, WS],
  ['GET', '~/environments/e/versions', `${ML}/environments/versions/read`, WS],
  ['GET', '~/codes/c/versions/1', `${ML}/codes/versions/read`, WS],
  ['PUT', '~/models/m/versions/1', `${ML}/models/versions/write`, WS],
  ['GET', '~/batchEndpoints', `${ML}/batchEndpoints/read`, WS],
  ['GET', '~/batchEndpoints/ep1', `${ML}/batchEndpoints/read`, EP],
  ['PATCH', '~/batchEndpoints/ep1', `${ML}/batchEndpoints/write`, EP],
  ['DELETE', '~/batchEndpoints/ep1', `${ML}/batchEndpoints/delete`, EP],
  ['GET', '~/batchEndpoints/ep1/deployments/blue', `${ML}/batchEndpoints/deployments/read`, EP],
  ['DELETE', '~/batchEndpoints/ep1/deployments/blue', `${ML}/batchEndpoints/deployments/delete`, EP],
  ['POST', '~/batchEndpoints/ep1/jobs', `${ML}/batchEndpoints/jobs/write`, EP],
  ['GET', '~/batchEndpoints/ep1/deployments/blue/jobs/j1', `${ML}/jobs/read`, EP],
  ['POST', '/endpoints/ep1/jobs', `${ML}/batchEndpoints/jobs/write`, EP],
  ['GET', '/endpoints/ep1/jobs/j1', `${ML}/jobs/read`, EP],
  ['GET', '~/jobs', `${ML}/jobs/read`, WS],
  ['GET', '~/batchEndpoints/ep1/jobStats', `${ML}/jobs/read`, EP],
  ['GET', '~/computes', `${ML}/computes/read`, WS],
  ['GET', '~/computes/cpu', `${ML}/computes/read`, WS],
  ['PUT', '~/computes/cpu', `${ML}/computes/write`, WS],
  ['DELETE', '~/computes/cpu', `${ML}/computes/delete`, WS],
  ['POST', '~/computes/cpu/listNodes', `${ML}/computes/listNodes/action`, WS],
  ['GET', '/metrics', `${ML}/metrics/read`, WS],
  ['GET', '~/jobs/j1', `${ML}/jobs/read`, `${WS}/jobs/j1`],
  ['POST', '~/jobs/j1/cancel', `${ML}/jobs/cancel/action`, `${WS}/jobs/j1`],
  ['GET', '~/jobs/j1/logs/user/logs/std_log.txt', `${ML}/jobs/read`, `${WS}/jobs/j1`],
  ['GET', '~/jobs/j1/events', `${ML}/jobs/read`, `${WS}/jobs/j1`],
  ['GET', '~/jobs/j1/miniBatches', `${ML}/jobs/read`, `${WS}/jobs/j1`],
  ['GET', '~/jobs/j1/progressHistory', `${ML}/jobs/read`, `${WS}/jobs/j1`],
  ['GET', '~/jobs/j1/outputs/score', `${ML}/jobs/outputs/read`, `${WS}/jobs/j1`],
  ['GET', '~/jobs/j1/outputs/score/paths/predictions.csv', `${ML}/jobs/outputs/read`, `${WS}/jobs/j1`],
  ['GET', '/nightshift/servicePrincipals', 'Microsoft.Directory/servicePrincipals/read', WS],
  [
    'POST',
    '/nightshift/servicePrincipals/abc/resetSecret',
    'Microsoft.Directory/servicePrincipals/resetSecret/action',
    WS,
  ],
  [
    'DELETE',
    '/nightshift/managedIdentities/x',
    'Microsoft.ManagedIdentity/userAssignedIdentities/delete',
    WS,
  ],
  ['POST', '/nightshift/roleAssignments/delete', 'Microsoft.Authorization/roleAssignments/delete', WS],
  ['DELETE', '/nightshift/roleAssignments/x', 'Microsoft.Authorization/roleAssignments/delete', WS],
  ['GET', '/nightshift/auditLogs?limit=5', 'Microsoft.Insights/eventtypes/values/read', WS],
  ['PUT', `${F}/pipelines/p`, `${DF}/pipelines/write`, WS],
  ['POST', `${F}/pipelines/p/createRun?api-version=2018-06-01`, `${DF}/pipelines/createrun/action`, WS],
  ['POST', `${F}/pipelineruns/r1/queryActivityruns`, `${DF}/pipelineruns/queryactivityruns/action`, WS],
  ['POST', `${F}/queryPipelineRuns`, `${DF}/querypipelineruns/action`, WS],
  ['GET', `${F}/pipelineruns/r1/events`, `${DF}/pipelineruns/read`, WS],
  ['PUT', `${F}/triggers/t`, `${DF}/triggers/write`, WS],
  ['POST', `${F}/triggers/t/start`, `${DF}/triggers/start/action`, WS],
  ['POST', `${F}/queryTriggerRuns`, `${DF}/querytriggerruns/action`, WS],
  ['POST', `${F}/triggers/t/triggerRuns/r1/rerun`, `${DF}/triggers/triggerruns/rerun/action`, WS],
];

test('every route family maps to its action and scope', async () => {
  for (const [method, p, action, scope] of table) {
    const got = await decided(method, p.replace('~', WS));
    assert.deepEqual([got.action, got.scope], [action, scope], `${method} ${p}`);
  }
});

test('file contents and job outputs are data actions; the job named in the path is reported', async () => {
  assert.equal((await decided('GET', `${WS}/datastores/b/paths/x`)).kind, 'dataAction');
  assert.equal((await decided('GET', `${WS}/datastores/b`)).kind, 'action');
  assert.equal((await decided('GET', `${WS}/jobs/j1/outputs/score`)).kind, 'dataAction');
  assert.equal((await decided('GET', '/endpoints/ep1/jobs/j1')).job, 'j1');
});

test('invoking with a deployment header is a deployment job write', async () => {
  const got = await decided('POST', '/endpoints/ep1/jobs', { 'azureml-model-deployment': 'blue' });
  assert.equal(got.action, `${ML}/batchEndpoints/deployments/jobs/write`);
});

test('every spelling the router matches is judged as the route it reaches', async () => {
  const plain = await decided('DELETE', `${WS}/batchEndpoints/ep1`);
  for (const path of [
    `/%73ubscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w1/batchEndpoints/ep1`,
    `${WS.toUpperCase()}/BATCHENDPOINTS/ep1`.replace('W1', 'w1').replace('S1', 's1').replace('RG', 'rg'),
    `/${WS}//batchEndpoints/%65p1/`,
  ]) {
    assert.deepEqual(await decided('DELETE', path), plain, path);
  }
  assert.equal((await decided('GET', '/endpoints/my%20ep/jobs')).scope, `${WS}/batchEndpoints/my ep`);
});

test('only the token, discovery, IMDS and system routes are public', async () => {
  const open = routes.filter((r) => isPublic(r.access)).map((r) => `${r.method} ${r.url}`);
  assert.deepEqual(open.sort(), [
    'GET /',
    'GET /:tenant/.well-known/openid-configuration',
    'GET /:tenant/discovery/keys',
    'GET /:tenant/discovery/v2.0/keys',
    'GET /:tenant/v2.0/.well-known/openid-configuration',
    'GET /healthz',
    'GET /info',
    'GET /metadata/identity/oauth2/token',
    'GET /nightshift/studio/signInOptions',
    'GET /openapi.json',
    'GET /studio',
    'GET /studio/*',
    'POST /:tenant/oauth2/token',
    'POST /:tenant/oauth2/v2.0/token',
    'POST /nightshift/studio/signIn',
  ]);
  assert.equal((await decided('POST', '/nightshift/oauth2/token')).public !== undefined, true);
});

test('paths no route declares match nothing, whatever the method', async () => {
  for (const [method, path] of [
    ['GET', WS],
    ['PATCH', `${WS}/computes/c1`],
    ['DELETE', `${WS}/datastores/blob`],
    ['POST', `${WS}/jobs`],
    ['GET', '/endpoints/ep1'],
    ['PUT', `${WS}/models/m/versions`],
    ['OPTIONS', `${WS}/batchEndpoints`],
    ['GET', '/nightshift/unknown'],
  ] as const) {
    const reply = await app.inject({ method, url: path });
    assert.equal(reply.statusCode, 444, `${method} ${path}`);
  }
});
