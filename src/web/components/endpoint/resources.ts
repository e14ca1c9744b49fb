/**
 * The shapes the endpoint pages read from the REST API (batch endpoints, deployments, audit entries,
 * data assets), only the fields the pages show, and the small helpers that turn ARM ids into the names
 * and studio links people read.
 */
export interface EndpointResource {
  name: string;
  properties: {
    description?: string | null;
    authMode?: string;
    defaults: { deploymentName: string | null };
    scoringUri: string;
    provisioningState: string;
  };
  systemData?: { createdAt?: string; lastModifiedAt?: string };
}

export interface DeploymentResource {
  name: string;
  properties: {
    description?: string | null;
    model: { assetId: string };
    codeConfiguration: { codeId: string; scoringScript: string } | null;
    environmentId: string | null;
    environmentVariables?: Record<string, string>;
    compute: string | null;
    resources: { instanceCount: number; instanceType: string | null };
    maxConcurrencyPerInstance: number;
    /** A count of files, or a size ("64MB") or row count ("1000 rows") that splits big tables. */
    miniBatchSize: number | string;
    outputAction: string;
    outputFileName: string;
    retrySettings: { maxRetries: number; timeout: string };
    errorThreshold: number;
    loggingLevel?: string;
    provisioningState: string;
  };
  systemData?: { createdAt?: string; createdBy?: string; lastModifiedAt?: string; lastModifiedBy?: string };
}

export interface AuditEntry {
  time: string;
  principal: string;
  action: string;
  method: string;
  path: string;
  status: number;
  result: string;
  detail?: string;
}

export interface DataAsset {
  name: string;
  properties?: { latestVersion?: string | null };
}

export interface DataAssetVersion {
  name: string;
  properties: { dataUri?: string; dataType?: string };
}

/** `azureml:NAME:VERSION`, an ARM id `.../models/NAME/versions/V`, or a name: its name and version. */
export function assetRef(id: string | null | undefined): { name: string; version: string | undefined } {
  if (id === null || id === undefined || id === '') return { name: '', version: undefined };
  const arm = /\/(?:models|codes|environments|data|computes)\/([^/]+)(?:\/versions\/([^/]+))?$/i.exec(id);
  if (arm) return { name: decodeURIComponent(arm[1] ?? ''), version: arm[2] };
  const short = /^azureml:([^:@]+)(?:[:@](.+))?$/i.exec(id);
  if (short) return { name: short[1] ?? '', version: short[2] };
  return { name: id, version: undefined };
}

export function endpointPath(endpoint: string): string {
  return `/batchEndpoints/${encodeURIComponent(endpoint)}`;
}

export function deploymentPath(endpoint: string, deployment: string): string {
  return `${endpointPath(endpoint)}/deployments/${encodeURIComponent(deployment)}`;
}

export function deploymentUrl(endpoint: string, deployment: string): string {
  return `/studio/endpoints/${encodeURIComponent(endpoint)}/deployments/${encodeURIComponent(deployment)}`;
}
