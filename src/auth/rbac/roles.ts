/**
 * Built-in roles, defined the way Azure defines them: lists of action strings with `*` wildcards
 * (`actions`) minus a second list (`notActions`), and the same pair for data actions (file contents and
 * job outputs), which Azure checks apart from management rights. The four Azure roles keep Azure's role
 * definition ids so that `--role <guid>` from an existing script resolves to the same role here, and so do
 * the two storage data roles; the Batch Endpoint Invoker is Nightshift's own, narrow role for
 * orchestrators that only score.
 *
 * Least privilege beyond Azure's lists: directory objects (service principals and their secrets), managed
 * identities and role assignments are Owner's alone, and so is a datastore over a host folder
 * (`datastores/hostPath/write`), because each of them lets its holder become someone else or read the
 * server's own files.
 */
import { ValidationError } from '../../core/errors.ts';

export interface RoleDefinition {
  /** Role definition GUID, stable across installations (Azure's id for Azure's built-in roles). */
  id: string;
  name: string;
  description: string;
  actions: readonly string[];
  notActions: readonly string[];
  dataActions: readonly string[];
  notDataActions: readonly string[];
  /**
   * Job reads through this role cover only the jobs the principal created; the API enforces it (see
   * `ownJobsOnly` in authorize.ts), because ownership is data, not a scope.
   */
  ownJobsOnly: boolean;
}

const ML = 'Microsoft.MachineLearningServices/workspaces';

/** What only Owner may do: manage identities and who may do what, and reach the host's folders. */
const OWNER_ONLY = [
  'Microsoft.Directory/*',
  'Microsoft.ManagedIdentity/*/write',
  'Microsoft.ManagedIdentity/*/delete',
  'Microsoft.ManagedIdentity/*/action',
  `${ML}/datastores/hostPath/write`,
];

export const OWNER: RoleDefinition = {
  id: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  name: 'Owner',
  description: 'Grants full access to manage all resources, including the ability to assign roles.',
  actions: ['*'],
  notActions: [],
  dataActions: ['*'],
  notDataActions: [],
  ownJobsOnly: false,
};

export const CONTRIBUTOR: RoleDefinition = {
  id: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  name: 'Contributor',
  description: 'Grants full access to manage all resources, but does not allow you to assign roles.',
  actions: ['*'],
  // Azure's own list (everything except changing who may do what), plus what only Owner may do.
  notActions: [
    'Microsoft.Authorization/*/Delete',
    'Microsoft.Authorization/*/Write',
    'Microsoft.Authorization/elevateAccess/Action',
    ...OWNER_ONLY,
  ],
  dataActions: ['*'],
  notDataActions: [],
  ownJobsOnly: false,
};

export const READER: RoleDefinition = {
  id: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  name: 'Reader',
  description: 'View all resources, but does not allow you to make any changes.',
  actions: ['*/read'],
  // Directory objects are not ARM resources: Azure's Reader cannot list them either, and app ids are what
  // a wrong-secret lockout is aimed at.
  notActions: ['Microsoft.Directory/*'],
  // A control-plane role, as in Azure: no file contents, no job outputs.
  dataActions: [],
  notDataActions: [],
  ownJobsOnly: false,
};

export const DATA_SCIENTIST: RoleDefinition = {
  id: 'f6c7c914-8db3-469d-8ca1-694a8f32e121',
  name: 'AzureML Data Scientist',
  description:
    'Can perform all actions within an Azure Machine Learning workspace, except for creating or deleting ' +
    'compute resources and modifying the workspace itself.',
  // Azure's shape (`workspaces/*/verb`) plus `workspaces/read`, which `workspaces/*/read` cannot match.
  actions: [`${ML}/read`, `${ML}/*/read`, `${ML}/*/action`, `${ML}/*/delete`, `${ML}/*/write`],
  // Both `computes/write` and `computes/*/write`: the wildcard form alone would leave the compute itself
  // writable, since `*` between two slashes needs a segment to stand for.
  notActions: [
    `${ML}/delete`,
    `${ML}/write`,
    `${ML}/computes/write`,
    `${ML}/computes/delete`,
    `${ML}/computes/*/write`,
    `${ML}/computes/*/delete`,
    `${ML}/listKeys/action`,
    `${ML}/hubs/write`,
    `${ML}/hubs/delete`,
    'Microsoft.Authorization/*/write',
    'Microsoft.Authorization/*/delete',
    ...OWNER_ONLY,
  ],
  dataActions: [`${ML}/*`],
  notDataActions: [],
  ownJobsOnly: false,
};

export const BATCH_ENDPOINT_INVOKER: RoleDefinition = {
  id: '5d2a1c7e-3b4f-4e8a-9c61-7f0b2e9d4a13',
  name: 'Batch Endpoint Invoker',
  description:
    'Can read batch endpoints and deployments, start batch jobs on them and read the jobs it started.',
  actions: [
    `${ML}/read`,
    `${ML}/batchEndpoints/read`,
    `${ML}/batchEndpoints/deployments/read`,
    `${ML}/batchEndpoints/jobs/write`,
    `${ML}/batchEndpoints/deployments/jobs/write`,
    `${ML}/jobs/read`,
  ],
  notActions: [],
  // The outputs of its own jobs only (ownJobsOnly), which a pipeline downloads after it invoked.
  dataActions: [`${ML}/jobs/outputs/read`],
  notDataActions: [],
  ownJobsOnly: true,
};

/*
 * Azure's storage data roles, with Azure's ids, granting the datastore path data actions. A job reads its
 * input and writes its output with the invoker's identity (as in Azure), so an invoker needs one of these
 * on the datastores it names, assigned at `{workspace}/datastores/{name}` or above.
 */
export const STORAGE_BLOB_DATA_READER: RoleDefinition = {
  id: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
  name: 'Storage Blob Data Reader',
  description: 'Read and list the files of datastores (job inputs included).',
  actions: [],
  notActions: [],
  dataActions: [`${ML}/datastores/paths/read`],
  notDataActions: [],
  ownJobsOnly: false,
};

export const STORAGE_BLOB_DATA_CONTRIBUTOR: RoleDefinition = {
  id: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  name: 'Storage Blob Data Contributor',
  description: 'Read, list and write the files of datastores (job inputs and outputs included).',
  actions: [],
  notActions: [],
  dataActions: [`${ML}/datastores/paths/read`, `${ML}/datastores/paths/write`],
  notDataActions: [],
  ownJobsOnly: false,
};

export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  OWNER,
  CONTRIBUTOR,
  READER,
  DATA_SCIENTIST,
  BATCH_ENDPOINT_INVOKER,
  STORAGE_BLOB_DATA_READER,
  STORAGE_BLOB_DATA_CONTRIBUTOR,
];

/**
 * Resolves a role the way `az role assignment create --role` does: by name (any case), by GUID, or by the
 * full role definition id (`.../providers/Microsoft.Authorization/roleDefinitions/<guid>`).
 */
export function findRole(ref: string): RoleDefinition | undefined {
  const wanted = ref.trim().toLowerCase();
  const guid = wanted.split('/').pop() ?? wanted;
  return BUILT_IN_ROLES.find((r) => r.name.toLowerCase() === wanted || r.id === guid);
}

/** As `findRole`, but an unknown role is the caller's mistake: the message lists the roles there are. */
export function requireRole(ref: string): RoleDefinition {
  const role = findRole(ref);
  if (!role) {
    const known = BUILT_IN_ROLES.map((r) => `'${r.name}'`).join(', ');
    throw new ValidationError(`Role '${ref}' does not exist. Known roles: ${known}.`, 'role');
  }
  return role;
}

/** `az role definition list` output shape. */
export interface RoleDefinitionView {
  id: string;
  name: string;
  type: 'Microsoft.Authorization/roleDefinitions';
  roleName: string;
  roleType: 'BuiltInRole';
  description: string;
  assignableScopes: string[];
  permissions: { actions: string[]; notActions: string[]; dataActions: string[]; notDataActions: string[] }[];
  ownJobsOnly: boolean;
}

/** For `nightshift role definition list`; with a subscription the ids are subscription-qualified, as az shows. */
export function roleDefinitionList(subscriptionId?: string): RoleDefinitionView[] {
  const prefix = subscriptionId ? `/subscriptions/${subscriptionId}` : '';
  return BUILT_IN_ROLES.map((r) => ({
    id: `${prefix}/providers/Microsoft.Authorization/roleDefinitions/${r.id}`,
    name: r.id,
    type: 'Microsoft.Authorization/roleDefinitions',
    roleName: r.name,
    roleType: 'BuiltInRole',
    description: r.description,
    assignableScopes: ['/'],
    permissions: [
      {
        actions: [...r.actions],
        notActions: [...r.notActions],
        dataActions: [...r.dataActions],
        notDataActions: [...r.notDataActions],
      },
    ],
    ownJobsOnly: r.ownJobsOnly,
  }));
}
