/**
 * The Azure RBAC action strings the API checks, named once. Which route needs which of them (and at which
 * scope) is declared beside each route in src/api/routes/, never derived from a URL here: the route table
 * is the one place that says what a path does, so the check and the router cannot disagree about it.
 * Data actions (reading and writing file contents, reading job outputs) are checked against a role's
 * `dataActions`, as Azure checks blob and file access apart from management rights.
 */
const ML = 'Microsoft.MachineLearningServices/workspaces';
const DF = 'Microsoft.DataFactory/factories';

export const ACTIONS = {
  workspaceRead: `${ML}/read`,
  workspaceWrite: `${ML}/write`,
  datastoreRead: `${ML}/datastores/read`,
  datastoreWrite: `${ML}/datastores/write`,
  /** Creating or changing a datastore over a folder of the server's host (a host privilege). */
  datastoreHostPathWrite: `${ML}/datastores/hostPath/write`,
  /** Reading a datastore's stored secret (Azure's listSecrets): an action, so Reader's read wildcard misses it. */
  datastoreListSecrets: `${ML}/datastores/listsecrets/action`,
  endpointRead: `${ML}/batchEndpoints/read`,
  endpointWrite: `${ML}/batchEndpoints/write`,
  endpointDelete: `${ML}/batchEndpoints/delete`,
  deploymentRead: `${ML}/batchEndpoints/deployments/read`,
  deploymentWrite: `${ML}/batchEndpoints/deployments/write`,
  deploymentDelete: `${ML}/batchEndpoints/deployments/delete`,
  computeRead: `${ML}/computes/read`,
  computeWrite: `${ML}/computes/write`,
  computeDelete: `${ML}/computes/delete`,
  /** Azure's listNodes is an action: Reader's read wildcard does not reach it, as in Azure. */
  computeListNodes: `${ML}/computes/listNodes/action`,
  /** Nightshift's own: scraping /metrics, a read, so Reader (and every role with a read wildcard) may scrape. */
  metricsRead: `${ML}/metrics/read`,
  jobRead: `${ML}/jobs/read`,
  jobCancel: `${ML}/jobs/cancel/action`,
  endpointJobWrite: `${ML}/batchEndpoints/jobs/write`,
  scheduleRead: `${ML}/schedules/read`,
  scheduleWrite: `${ML}/schedules/write`,
  scheduleDelete: `${ML}/schedules/delete`,
  deploymentJobWrite: `${ML}/batchEndpoints/deployments/jobs/write`,
  servicePrincipalRead: 'Microsoft.Directory/servicePrincipals/read',
  servicePrincipalWrite: 'Microsoft.Directory/servicePrincipals/write',
  servicePrincipalDelete: 'Microsoft.Directory/servicePrincipals/delete',
  servicePrincipalResetSecret: 'Microsoft.Directory/servicePrincipals/resetSecret/action',
  identityRead: 'Microsoft.ManagedIdentity/userAssignedIdentities/read',
  identityWrite: 'Microsoft.ManagedIdentity/userAssignedIdentities/write',
  identityDelete: 'Microsoft.ManagedIdentity/userAssignedIdentities/delete',
  roleAssignmentRead: 'Microsoft.Authorization/roleAssignments/read',
  roleAssignmentWrite: 'Microsoft.Authorization/roleAssignments/write',
  roleAssignmentDelete: 'Microsoft.Authorization/roleAssignments/delete',
  roleDefinitionRead: 'Microsoft.Authorization/roleDefinitions/read',
  auditRead: 'Microsoft.Insights/eventtypes/values/read',
  pipelineRead: `${DF}/pipelines/read`,
  pipelineWrite: `${DF}/pipelines/write`,
  pipelineDelete: `${DF}/pipelines/delete`,
  pipelineCreateRun: `${DF}/pipelines/createrun/action`,
  pipelineRunRead: `${DF}/pipelineruns/read`,
  pipelineRunQueryActivities: `${DF}/pipelineruns/queryactivityruns/action`,
  pipelineRunCancel: `${DF}/pipelineruns/cancel/action`,
  pipelineRunQuery: `${DF}/querypipelineruns/action`,
  linkedServiceRead: `${DF}/linkedservices/read`,
  linkedServiceWrite: `${DF}/linkedservices/write`,
  linkedServiceDelete: `${DF}/linkedservices/delete`,
  datasetRead: `${DF}/datasets/read`,
  datasetWrite: `${DF}/datasets/write`,
  datasetDelete: `${DF}/datasets/delete`,
  /** Webhook subscriptions on the workspace's job events, under Event Grid's own actions. */
  eventSubscriptionRead: 'Microsoft.EventGrid/eventSubscriptions/read',
  eventSubscriptionWrite: 'Microsoft.EventGrid/eventSubscriptions/write',
  eventSubscriptionDelete: 'Microsoft.EventGrid/eventSubscriptions/delete',
  triggerRead: `${DF}/triggers/read`,
  triggerWrite: `${DF}/triggers/write`,
  triggerDelete: `${DF}/triggers/delete`,
  triggerStart: `${DF}/triggers/start/action`,
  triggerStop: `${DF}/triggers/stop/action`,
  triggerRunQuery: `${DF}/querytriggerruns/action`,
  triggerRunRerun: `${DF}/triggers/triggerruns/rerun/action`,
} as const;

/** Data actions: file contents and job outputs. */
export const DATA_ACTIONS = {
  datastorePathRead: `${ML}/datastores/paths/read`,
  datastorePathWrite: `${ML}/datastores/paths/write`,
  jobOutputRead: `${ML}/jobs/outputs/read`,
} as const;

/** Assets' actions by ARM path segment (`models`, `data`, ...). */
export function assetActions(kind: string): { read: string; versionRead: string; versionWrite: string } {
  return {
    read: `${ML}/${kind}/read`,
    versionRead: `${ML}/${kind}/versions/read`,
    versionWrite: `${ML}/${kind}/versions/write`,
  };
}
