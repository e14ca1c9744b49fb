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
} as const;

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
  const underApi = first === 'subscriptions' || first === 'endpoints';
  if (!underApi) return undefined;
  // Fail closed: a path under the API that no rule knows still needs a workspace right.
  const fallback = { action: isRead(m) ? ACTIONS.workspaceRead : ACTIONS.workspaceWrite, scope: ws };
  if (!segs) return fallback;

  if (first === 'endpoints') {
    const endpoint = segs[1];
    if (endpoint === undefined || segs[2]?.toLowerCase() !== 'jobs') return fallback;
    return endpointRoute(m, endpoint, segs.slice(2), `${ws}/batchEndpoints/${endpoint}`, opts) ?? fallback;
  }
  const rest = afterWorkspace(segs);
  if (!rest || rest.length === 0) return fallback;
  return workspaceRoute(m, rest, ws, opts) ?? fallback;
}
