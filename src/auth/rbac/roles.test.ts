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
  spRead: 'Microsoft.Directory/servicePrincipals/read',
  spWrite: 'Microsoft.Directory/servicePrincipals/write',
  spDelete: 'Microsoft.Directory/servicePrincipals/delete',
  spReset: 'Microsoft.Directory/servicePrincipals/resetSecret/action',
  miRead: 'Microsoft.ManagedIdentity/userAssignedIdentities/read',
  miWrite: 'Microsoft.ManagedIdentity/userAssignedIdentities/write',
  miDelete: 'Microsoft.ManagedIdentity/userAssignedIdentities/delete',
  hostPath: `${ML}/datastores/hostPath/write`,
} as const;
type Key = keyof typeof A;

/** What only Owner may do (PLAN contracts 4 and 6). */
const OWNER_ONLY: Key[] = [
  'raWrite',
  'raDelete',
  'spRead',
  'spWrite',
  'spDelete',
  'spReset',
  'miWrite',
  'miDelete',
  'hostPath',
];

// Each row: the actions a role must grant, then the ones it must not.
const table: [string, Key[], Key[]][] = [
  ['Owner', Object.keys(A) as Key[], []],
  ['Contributor', (Object.keys(A) as Key[]).filter((k) => !OWNER_ONLY.includes(k)), OWNER_ONLY],
  [
    'Reader',
    ['wsRead', 'epRead', 'depRead', 'jobRead', 'dsRead', 'computeRead', 'raRead', 'miRead'],
    [
      'spRead',
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
    ['wsWrite', 'wsDelete', 'computeWrite', 'computeDelete', ...OWNER_ONLY],
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

const DATA = {
  pathRead: `${ML}/datastores/paths/read`,
  pathWrite: `${ML}/datastores/paths/write`,
  outputs: `${ML}/jobs/outputs/read`,
} as const;

// Each row: the data actions a role grants; it refuses the others.
const dataTable: [string, (keyof typeof DATA)[]][] = [
  ['Owner', ['pathRead', 'pathWrite', 'outputs']],
  ['Contributor', ['pathRead', 'pathWrite', 'outputs']],
  ['AzureML Data Scientist', ['pathRead', 'pathWrite', 'outputs']],
  ['Reader', []],
  ['Batch Endpoint Invoker', ['outputs']],
];

for (const [name, granted] of dataTable) {
  test(`built-in role ${name} grants exactly its data actions`, () => {
    const role = requireRole(name);
    for (const key of Object.keys(DATA) as (keyof typeof DATA)[]) {
      const action = DATA[key];
      assert.equal(roleGrants(role, action, 'dataAction'), granted.includes(key), `${name}: ${action}`);
    }
  });
}

test('actions and data actions are separate lists: a management wildcard reaches no file content', () => {
  // Reader's `*/read` matches the text of the data action, but data actions are not management actions.
  assert.ok(roleGrants(READER, DATA.pathRead));
  assert.ok(!roleGrants(READER, DATA.pathRead, 'dataAction'));
  assert.ok(!roleGrants(BATCH_ENDPOINT_INVOKER, `${ML}/jobs/outputs/read`));
  assert.ok(roleGrants(BATCH_ENDPOINT_INVOKER, `${ML}/jobs/outputs/read`, 'dataAction'));
});

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
  assert.deepEqual(
    owner.permissions.map((p) => p.dataActions),
    [['*']],
  );
  const contributor = list.find((r) => r.roleName === 'Contributor');
  assert.ok(contributor?.permissions[0]?.notActions.includes('Microsoft.Directory/*'));
  const invoker = list.find((r) => r.roleName === 'Batch Endpoint Invoker');
  assert.deepEqual(invoker?.permissions[0]?.dataActions, [
    'Microsoft.MachineLearningServices/workspaces/jobs/outputs/read',
  ]);
  assert.ok(roleDefinitionList()[0]?.id.startsWith('/providers/Microsoft.Authorization/roleDefinitions/'));
});
