import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../core/errors.ts';
import { roleGrants } from './authorize.ts';
import {
  BATCH_ENDPOINT_INVOKER,
  BUILT_IN_ROLES,
  CONTRIBUTOR,
  DATA_SCIENTIST,
  findRole,
  OWNER,
  READER,
  requireRole,
  roleDefinitionList,
} from './roles.ts';

const ML = 'Microsoft.MachineLearningServices/workspaces';
const A = {
  wsRead: `${ML}/read`,
  wsWrite: `${ML}/write`,
  wsDelete: `${ML}/delete`,
  epRead: `${ML}/batchEndpoints/read`,
  epWrite: `${ML}/batchEndpoints/write`,
  epDelete: `${ML}/batchEndpoints/delete`,
  depRead: `${ML}/batchEndpoints/deployments/read`,
  depWrite: `${ML}/batchEndpoints/deployments/write`,
  jobWrite: `${ML}/batchEndpoints/jobs/write`,
  depJobWrite: `${ML}/batchEndpoints/deployments/jobs/write`,
  jobRead: `${ML}/jobs/read`,
  jobCancel: `${ML}/jobs/cancel/action`,
  dsRead: `${ML}/datastores/read`,
  dsWrite: `${ML}/datastores/write`,
  modelWrite: `${ML}/models/versions/write`,
  computeWrite: `${ML}/computes/write`,
  computeDelete: `${ML}/computes/delete`,
  computeRead: `${ML}/computes/read`,
  raWrite: 'Microsoft.Authorization/roleAssignments/write',
  raDelete: 'Microsoft.Authorization/roleAssignments/delete',
  raRead: 'Microsoft.Authorization/roleAssignments/read',
} as const;
type Key = keyof typeof A;

// Each row: the actions a role must grant, then the ones it must not.
const table: [string, Key[], Key[]][] = [
  ['Owner', Object.keys(A) as Key[], []],
  [
    'Contributor',
    (Object.keys(A) as Key[]).filter((k) => k !== 'raWrite' && k !== 'raDelete'),
    ['raWrite', 'raDelete'],
  ],
  [
    'Reader',
    ['wsRead', 'epRead', 'depRead', 'jobRead', 'dsRead', 'computeRead', 'raRead'],
    [
      'wsWrite',
      'epWrite',
      'epDelete',
      'depWrite',
      'jobWrite',
      'depJobWrite',
      'jobCancel',
      'dsWrite',
      'raWrite',
    ],
  ],
  [
    'AzureML Data Scientist',
    [
      'wsRead',
      'epRead',
      'epWrite',
      'epDelete',
      'depWrite',
      'jobWrite',
      'depJobWrite',
      'jobRead',
      'jobCancel',
    ],
    ['wsWrite', 'wsDelete', 'computeWrite', 'computeDelete', 'raWrite', 'raDelete'],
  ],
  [
    'Batch Endpoint Invoker',
    ['wsRead', 'epRead', 'depRead', 'jobWrite', 'depJobWrite', 'jobRead'],
    ['epWrite', 'epDelete', 'depWrite', 'jobCancel', 'dsRead', 'dsWrite', 'modelWrite', 'wsWrite', 'raWrite'],
  ],
];

for (const [name, allowed, denied] of table) {
  test(`built-in role ${name} grants and refuses the right actions`, () => {
    const role = requireRole(name);
    for (const k of allowed) assert.ok(roleGrants(role, A[k]), `${name} should grant ${A[k]}`);
    for (const k of denied) assert.ok(!roleGrants(role, A[k]), `${name} should refuse ${A[k]}`);
  });
}

test('Data Scientist also covers the spec §7.2 invoke actions', () => {
  for (const suffix of [
    'read',
    'data/versions/write',
    'datastores/listsecrets/action',
    'listStorageAccountKeys/action',
    'computes/listKeys/action',
    'experiments/runs/submit/action',
    'environments/readSecrets/action',
  ]) {
    const action = suffix === 'read' ? `${ML}/read` : `${ML}/${suffix}`;
    assert.ok(roleGrants(DATA_SCIENTIST, action), action);
  }
});

test('roles resolve by name in any case, by GUID and by full definition id', () => {
  assert.equal(findRole('owner'), OWNER);
  assert.equal(findRole('  READER '), READER);
  assert.equal(findRole('azureml data scientist'), DATA_SCIENTIST);
  assert.equal(findRole('batch endpoint invoker'), BATCH_ENDPOINT_INVOKER);
  assert.equal(findRole(CONTRIBUTOR.id), CONTRIBUTOR);
  assert.equal(
    findRole(`/providers/Microsoft.Authorization/roleDefinitions/${CONTRIBUTOR.id.toUpperCase()}`),
    CONTRIBUTOR,
  );
  assert.equal(findRole('Janitor'), undefined);
});

test('an unknown role is a ValidationError naming the known ones', () => {
  assert.throws(
    () => requireRole('Janitor'),
    (e: unknown) =>
      e instanceof ValidationError &&
      e.status === 400 &&
      e.message.includes("'Janitor'") &&
      BUILT_IN_ROLES.every((r) => e.message.includes(r.name)),
  );
});

test('ids are unique GUIDs and only the invoker is limited to its own jobs', () => {
  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  assert.equal(new Set(BUILT_IN_ROLES.map((r) => r.id)).size, BUILT_IN_ROLES.length);
  for (const r of BUILT_IN_ROLES) assert.match(r.id, guid);
  assert.deepEqual(
    BUILT_IN_ROLES.filter((r) => r.ownJobsOnly).map((r) => r.name),
    ['Batch Endpoint Invoker'],
  );
});

test('role definition list has the az shape', () => {
  const list = roleDefinitionList('sub-1');
  assert.equal(list.length, BUILT_IN_ROLES.length);
  const owner = list.find((r) => r.roleName === 'Owner');
  assert.ok(owner);
  assert.equal(
    owner.id,
    `/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/${OWNER.id}`,
  );
  assert.equal(owner.name, OWNER.id);
  assert.equal(owner.roleType, 'BuiltInRole');
  assert.deepEqual(owner.permissions[0]?.actions, ['*']);
  assert.ok(roleDefinitionList()[0]?.id.startsWith('/providers/Microsoft.Authorization/roleDefinitions/'));
});
