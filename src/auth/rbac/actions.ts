/**
 * Maps each HTTP route of the server to the Azure RBAC action it needs and the scope it is checked at. The
 * scope is the workspace's ARM id, or the endpoint's ARM id for anything under an endpoint (its deployments
 * and jobs, on both the management and the data plane), so that an assignment on one endpoint does not
 * reach another. Scopes are always built from the hosted workspace's id, never from the path's own prefix:
 * handlers act on the hosted workspace whatever the path says, so that is what must be authorized.
 * Routes outside the API (health, OpenAPI, token and IMDS endpoints) map to `undefined`, i.e. public; an
 * unrecognised path under the API prefixes fails closed instead (workspace read or write).
 */
import { ASSET_KINDS, PROVIDER } from '../../core/workspace.ts';

const ML = 'Microsoft.MachineLearningServices/workspaces';

/** Actions the API needs beyond the route table, named for the wiring code. */
export const ACTIONS = {
  workspaceRead: `${ML}/read`,
  workspaceWrite: `${ML}/write`,
  jobRead: `${ML}/jobs/read`,
  jobCancel: `${ML}/jobs/cancel/action`,
  endpointJobWrite: `${ML}/batchEndpoints/jobs/write`,
  deploymentJobWrite: `${ML}/batchEndpoints/deployments/jobs/write`,
  roleAssignmentRead: 'Microsoft.Authorization/roleAssignments/read',
  roleAssignmentWrite: 'Microsoft.Authorization/roleAssignments/write',
  roleAssignmentDelete: 'Microsoft.Authorization/roleAssignments/delete',
  roleDefinitionRead: 'Microsoft.Authorization/roleDefinitions/read',
  auditRead: 'Microsoft.Insights/eventtypes/values/read',
} as const;

/**
 * Nightshift's own management routes (`/nightshift/<collection>/...`), by collection, with the Azure
 * resource provider whose actions stand for them: directory objects, user-assigned identities, role
 * assignments, the activity log and Data Factory pipelines.
 */
const NIGHTSHIFT_COLLECTIONS: Record<string, string> = {
  serviceprincipals: 'Microsoft.Directory/servicePrincipals',
  managedidentities: 'Microsoft.ManagedIdentity/userAssignedIdentities',
  roleassignments: 'Microsoft.Authorization/roleAssignments',
  roledefinitions: 'Microsoft.Authorization/roleDefinitions',
  pipelines: 'Microsoft.DataFactory/factories/pipelines',
  pipelineruns: 'Microsoft.DataFactory/factories/pipelineruns',
};

export interface RequiredPermission {
  action: string;
  scope: string;
  /** The endpoint named in the path, if any (for audit and for the own-jobs check). */
  endpoint?: string;
  /** The job named in the path, if any. */
  job?: string;
}

export interface ActionOptions {
  /** The `azureml-model-deployment` header of an invoke: picking a deployment is a deployment job write. */
  deployment?: string | undefined;
}

// Literal segments of `/subscriptions/{s}/resourceGroups/{rg}/providers/{PROVIDER}/workspaces/{w}`, lower case;
// '' marks a name.
const WS_LITERALS = [
  'subscriptions',
  '',
  'resourcegroups',
  '',
  'providers',
  PROVIDER.toLowerCase(),
  'workspaces',
  '',
];

function segmentsOf(path: string): string[] | undefined {
  const bare = path.split('?')[0] ?? '';
  const parts = bare.split('/').filter((s) => s !== '');
  try {
    return parts.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/** The part of the path after `/subscriptions/../workspaces/{w}`, or undefined when it has no such prefix. */
function afterWorkspace(segs: string[]): string[] | undefined {
  if (segs.length < WS_LITERALS.length) return undefined;
  for (const [i, lit] of WS_LITERALS.entries()) {
    if (lit !== '' && segs[i]?.toLowerCase() !== lit) return undefined;
  }
  return segs.slice(WS_LITERALS.length);
}

const isRead = (m: string) => m === 'GET' || m === 'HEAD';

/** The verb suffix for a plain resource: read, write (PUT/PATCH/POST) or delete. */
function verb(method: string): 'read' | 'write' | 'delete' {
  if (isRead(method)) return 'read';
  return method === 'DELETE' ? 'delete' : 'write';
}

function workspaceRoute(
  method: string,
  rest: string[],
  ws: string,
  opts: ActionOptions,
): RequiredPermission | undefined {
  const [head, name, sub, item, ...tail] = rest;
  const h = head?.toLowerCase();
  const s = sub?.toLowerCase();

  if (h === 'datastores') {
    // Listing, showing and downloading are reads; registering and uploading are writes.
    if (name === undefined && isRead(method)) return { action: `${ML}/datastores/read`, scope: ws };
    if (name !== undefined && (sub === undefined || s === 'paths') && (isRead(method) || method === 'PUT'))
      return { action: `${ML}/datastores/${verb(method)}`, scope: ws };
    return undefined;
  }

  const kind = ASSET_KINDS.find((k) => k === h);
  if (kind) {
    if (sub === undefined && isRead(method)) return { action: `${ML}/${kind}/read`, scope: ws };
    if (name !== undefined && s === 'versions' && tail.length === 0) {
      if (isRead(method)) return { action: `${ML}/${kind}/versions/read`, scope: ws };
      if (item !== undefined && method === 'PUT')
        return { action: `${ML}/${kind}/versions/write`, scope: ws };
    }
    return undefined;
  }

  if (h === 'batchendpoints') {
    if (name === undefined)
      return isRead(method) ? { action: `${ML}/batchEndpoints/read`, scope: ws } : undefined;
    return endpointRoute(method, name, rest.slice(2), `${ws}/batchEndpoints/${name}`, opts);
  }

  if (h === 'jobs') {
    if (name === undefined) return isRead(method) ? { action: ACTIONS.jobRead, scope: ws } : undefined;
    const scope = `${ws}/jobs/${name}`;
    if (sub === undefined && isRead(method)) return { action: ACTIONS.jobRead, scope, job: name };
    if (s === 'cancel' && item === undefined && method === 'POST')
      return { action: ACTIONS.jobCancel, scope, job: name };
    if (s === 'logs' && isRead(method)) return { action: ACTIONS.jobRead, scope, job: name };
  }
  return undefined;
}

/** Everything under one endpoint, on either plane; `rest` follows the endpoint name. */
function endpointRoute(
  method: string,
  endpoint: string,
  rest: string[],
  scope: string,
  opts: ActionOptions,
): RequiredPermission | undefined {
  const [head, name, sub, job, ...tail] = rest;
  const h = head?.toLowerCase();
  const at = (action: string, extra: { job?: string } = {}): RequiredPermission => ({
    action,
    scope,
    endpoint,
    ...extra,
  });
  if (head === undefined) return at(`${ML}/batchEndpoints/${verb(method)}`);

  if (h === 'jobs' && sub === undefined) {
    if (name === undefined && method === 'POST')
      return at(opts.deployment ? ACTIONS.deploymentJobWrite : ACTIONS.endpointJobWrite);
    if (isRead(method)) return at(ACTIONS.jobRead, name === undefined ? {} : { job: name });
    return undefined;
  }

  if (h === 'deployments') {
    if (name === undefined || sub === undefined)
      return at(`${ML}/batchEndpoints/deployments/${verb(method)}`);
    if (sub.toLowerCase() === 'jobs' && tail.length === 0) {
      if (job === undefined && method === 'POST') return at(ACTIONS.deploymentJobWrite);
      if (isRead(method)) return at(ACTIONS.jobRead, job === undefined ? {} : { job });
    }
  }
  return undefined;
}

const DF = 'Microsoft.DataFactory/factories';

/**
 * Data Factory's paths (`/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.DataFactory/factories/{f}/...`),
 * served for the workspace's pipelines; checked at the workspace's scope, which holds them.
 */
function dataFactoryRoute(method: string, segs: string[], ws: string): RequiredPermission | undefined {
  const expected = [
    'subscriptions',
    '',
    'resourcegroups',
    '',
    'providers',
    'microsoft.datafactory',
    'factories',
    '',
  ];
  if (segs.length < 8 || expected.some((lit, i) => lit !== '' && segs[i]?.toLowerCase() !== lit))
    return undefined;
  const [head, name, sub, ...tail] = segs.slice(8).map((s) => s.toLowerCase());
  if (tail.length > 0) return undefined;
  const at = (action: string) => ({ action: `${DF}/${action}`, scope: ws });
  if (head === 'pipelines') {
    if (name === undefined) return isRead(method) ? at('pipelines/read') : undefined;
    if (sub === undefined) return at(`pipelines/${verb(method)}`);
    return sub === 'createrun' && method === 'POST' ? at('pipelines/createrun/action') : undefined;
  }
  if (head === 'pipelineruns' && name !== undefined) {
    if (sub === undefined) return isRead(method) ? at('pipelineruns/read') : undefined;
    if (method !== 'POST') return undefined;
    if (sub === 'queryactivityruns') return at('pipelineruns/queryactivityruns/action');
    if (sub === 'cancel') return at('pipelineruns/cancel/action');
    return undefined;
  }
  if (head === 'querypipelineruns' && name === undefined && method === 'POST')
    return at('querypipelineruns/action');
  return undefined;
}

/** Second segments of `/{tenant}/...` token-service routes, which must stay reachable without a token. */
const TENANT_ROUTES = new Set(['oauth2', '.well-known', 'discovery', 'v2.0']);

function nightshiftRoute(method: string, rest: string[], ws: string): RequiredPermission | undefined {
  const [collection, name, sub] = rest;
  const c = collection?.toLowerCase();
  if (c === 'roleassignments' && name?.toLowerCase() === 'delete' && sub === undefined && method === 'POST')
    return { action: ACTIONS.roleAssignmentDelete, scope: ws };
  if (c === 'auditlogs') return isRead(method) ? { action: ACTIONS.auditRead, scope: ws } : undefined;
  const provider = c === undefined ? undefined : NIGHTSHIFT_COLLECTIONS[c];
  if (provider === undefined) return undefined;
  if (c === 'roledefinitions')
    return isRead(method) ? { action: ACTIONS.roleDefinitionRead, scope: ws } : undefined;
  // Verbs on an item (`.../{id}/resetSecret`, `.../{run}/cancel`) are actions of their own.
  if (sub !== undefined && method === 'POST') {
    const verbName = c === 'pipelines' && sub.toLowerCase() === 'createrun' ? 'createRun' : sub;
    return { action: `${provider}/${verbName}/action`, scope: ws };
  }
  return { action: `${provider}/${verb(method)}`, scope: ws };
}

/**
 * The permission a request needs, or `undefined` for a public route. `workspaceArmId` is the hosted
 * workspace (`workspaceId(ws)` in src/core/workspace.ts).
 */
export function actionFor(
  method: string,
  path: string,
  workspaceArmId: string,
  opts: ActionOptions = {},
): RequiredPermission | undefined {
  const m = method.toUpperCase();
  // Browsers send preflights without credentials, and no handler acts on OPTIONS.
  if (m === 'OPTIONS') return undefined;
  const ws = workspaceArmId.replace(/\/+$/, '');
  const segs = segmentsOf(path);
  // Judged on the raw path, so a path that fails to decode still counts as under the API.
  const first = (path.split('?')[0] ?? '')
    .split('/')
    .find((x) => x !== '')
    ?.toLowerCase();
  const underApi = first === 'subscriptions' || first === 'endpoints' || first === 'nightshift';
  if (!underApi) return undefined;
  // Fail closed: a path under the API that no rule knows still needs a workspace right.
  const fallback = { action: isRead(m) ? ACTIONS.workspaceRead : ACTIONS.workspaceWrite, scope: ws };
  if (!segs) return fallback;

  if (first === 'nightshift') {
    // The default tenant is also called 'nightshift': its token and discovery routes stay public.
    if (TENANT_ROUTES.has(segs[1]?.toLowerCase() ?? '')) return undefined;
    return nightshiftRoute(m, segs.slice(1), ws) ?? fallback;
  }
  if (first === 'endpoints') {
    const endpoint = segs[1];
    if (endpoint === undefined || segs[2]?.toLowerCase() !== 'jobs') return fallback;
    return endpointRoute(m, endpoint, segs.slice(2), `${ws}/batchEndpoints/${endpoint}`, opts) ?? fallback;
  }
  const factory = dataFactoryRoute(m, segs, ws);
  if (factory) return factory;
  const rest = afterWorkspace(segs);
  if (!rest || rest.length === 0) return fallback;
  return workspaceRoute(m, rest, ws, opts) ?? fallback;
}
