/**
 * The one workspace a server hosts, and the ARM-shaped ids of its resources. An id is also the path where
 * the server answers GET for the resource, so ids are built here and nowhere else.
 */

export interface WorkspaceRef {
  subscriptionId: string;
  resourceGroup: string;
  workspace: string;
  location: string;
}

const PROVIDER = 'Microsoft.MachineLearningServices';

export function workspaceId(ws: WorkspaceRef): string {
  return `/subscriptions/${ws.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/${PROVIDER}/workspaces/${ws.workspace}`;
}

export const resourceIds = {
  datastore: (ws: WorkspaceRef, name: string) => `${workspaceId(ws)}/datastores/${name}`,
  assetContainer: (ws: WorkspaceRef, kind: AssetKind, name: string) => `${workspaceId(ws)}/${kind}/${name}`,
  assetVersion: (ws: WorkspaceRef, kind: AssetKind, name: string, version: string) =>
    `${workspaceId(ws)}/${kind}/${name}/versions/${version}`,
  endpoint: (ws: WorkspaceRef, name: string) => `${workspaceId(ws)}/batchEndpoints/${name}`,
  deployment: (ws: WorkspaceRef, endpoint: string, name: string) =>
    `${workspaceId(ws)}/batchEndpoints/${endpoint}/deployments/${name}`,
  job: (ws: WorkspaceRef, name: string) => `${workspaceId(ws)}/jobs/${name}`,
  compute: (ws: WorkspaceRef, name: string) => `${workspaceId(ws)}/computes/${name}`,
} as const;

/** Versioned asset families, named as their ARM path segment. */
export const ASSET_KINDS = ['data', 'models', 'environments', 'codes'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

export const ARM_TYPES = {
  datastore: `${PROVIDER}/workspaces/datastores`,
  data: `${PROVIDER}/workspaces/data/versions`,
  models: `${PROVIDER}/workspaces/models/versions`,
  environments: `${PROVIDER}/workspaces/environments/versions`,
  codes: `${PROVIDER}/workspaces/codes/versions`,
  endpoint: `${PROVIDER}/workspaces/batchEndpoints`,
  deployment: `${PROVIDER}/workspaces/batchEndpoints/deployments`,
  job: `${PROVIDER}/workspaces/batchEndpoints/jobs`,
  deploymentJob: `${PROVIDER}/workspaces/batchEndpoints/deployments/jobs`,
  compute: `${PROVIDER}/workspaces/computes`,
} as const;
