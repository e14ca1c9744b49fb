/**
 * How domain resources look on the wire: the ARM envelope (`id`, `name`, `type`, `properties`,
 * `systemData`) with camelCase properties. `baseUrl` is the address the client used, so scoring URIs
 * point back at this server however it was reached.
 */
import type {
  BatchDeployment,
  BatchEndpoint,
  CodeVersion,
  DataVersion,
  Datastore,
  EnvironmentVersion,
  ModelVersion,
} from '../core/resources.ts';
import { isoDuration } from '../core/wire-values.ts';
import { ARM_TYPES, resourceIds, type AssetKind, type WorkspaceRef } from '../core/workspace.ts';

export function datastoreView(ws: WorkspaceRef, ds: Datastore) {
  return {
    id: resourceIds.datastore(ws, ds.name),
    name: ds.name,
    type: ARM_TYPES.datastore,
    properties: {
      ...datastoreKindView(ds),
      isDefault: ds.isDefault,
      description: ds.description,
      tags: ds.tags,
    },
    systemData: ds.systemData,
  };
}

/**
 * What is particular to a datastore's kind. Credentials show their type only: the secret is never returned
 * (Azure keeps it behind a separate list-secrets action).
 */
function datastoreKindView(ds: Datastore) {
  const credentials = {
    credentialsType: ds.datastoreType === 'LocalFolder' ? 'None' : ds.credentials.credentialsType,
  };
  switch (ds.datastoreType) {
    case 'LocalFolder':
      return { datastoreType: ds.datastoreType, path: ds.rootPath };
    case 'AzureBlob':
      return {
        datastoreType: ds.datastoreType,
        accountName: ds.accountName,
        containerName: ds.containerName,
        endpoint: ds.endpoint,
        protocol: ds.protocol,
        credentials,
      };
    case 'AzureDataLakeGen2':
      return {
        datastoreType: ds.datastoreType,
        accountName: ds.accountName,
        filesystem: ds.filesystem,
        endpoint: ds.endpoint,
        protocol: ds.protocol,
        credentials,
      };
    case 'S3':
      return {
        datastoreType: ds.datastoreType,
        bucket: ds.bucket,
        region: ds.region,
        ...(ds.endpoint === undefined ? {} : { endpoint: ds.endpoint }),
        credentials,
      };
  }
}

export function containerView(
  ws: WorkspaceRef,
  kind: AssetKind,
  c: { name: string; latestVersion: string; nextVersion: string },
) {
  return {
    id: resourceIds.assetContainer(ws, kind, c.name),
    name: c.name,
    type: `Microsoft.MachineLearningServices/workspaces/${kind}`,
    properties: { latestVersion: c.latestVersion, nextVersion: c.nextVersion, isArchived: false },
  };
}

function assetProperties(
  kind: AssetKind,
  asset: DataVersion | ModelVersion | CodeVersion | EnvironmentVersion,
) {
  const base = { description: asset.description, tags: asset.tags, isAnonymous: false, isArchived: false };
  switch (kind) {
    case 'data': {
      const d = asset as DataVersion;
      return { ...base, dataType: d.dataType, dataUri: d.dataUri };
    }
    case 'models': {
      const m = asset as ModelVersion;
      return {
        ...base,
        modelType: m.modelType,
        modelUri: m.modelUri,
        properties: m.properties,
        contentHash: m.contentHash,
        sourceUri: m.sourceUri,
      };
    }
    case 'codes': {
      const c = asset as CodeVersion;
      return { ...base, codeUri: c.codeUri, contentHash: c.contentHash };
    }
    case 'environments': {
      const e = asset as EnvironmentVersion;
      return { ...e.extra, ...base, image: e.image, condaFile: e.condaFile };
    }
  }
}

export function assetView(
  ws: WorkspaceRef,
  kind: AssetKind,
  asset: DataVersion | ModelVersion | CodeVersion | EnvironmentVersion,
) {
  return {
    id: resourceIds.assetVersion(ws, kind, asset.name, asset.version),
    name: asset.version,
    type: ARM_TYPES[kind],
    properties: assetProperties(kind, asset),
    systemData: asset.systemData,
  };
}

export function endpointView(ws: WorkspaceRef, ep: BatchEndpoint, baseUrl: string) {
  const scoringUri = `${baseUrl}/endpoints/${ep.name}/jobs`;
  return {
    id: resourceIds.endpoint(ws, ep.name),
    name: ep.name,
    type: ARM_TYPES.endpoint,
    location: ws.location,
    tags: ep.tags,
    identity: { type: 'None' },
    properties: {
      description: ep.description,
      properties: ep.properties,
      authMode: ep.authMode,
      defaults: { deploymentName: ep.defaults.deploymentName ?? null },
      scoringUri,
      swaggerUri: `${baseUrl}/openapi.json`,
      provisioningState: ep.provisioningState,
    },
    systemData: ep.systemData,
  };
}

export function deploymentView(ws: WorkspaceRef, d: BatchDeployment) {
  return {
    id: resourceIds.deployment(ws, d.endpointName, d.name),
    name: d.name,
    type: ARM_TYPES.deployment,
    location: ws.location,
    tags: d.tags,
    properties: {
      description: d.description,
      properties: d.properties,
      model: { referenceType: 'Id', assetId: d.modelId },
      codeConfiguration: d.codeConfiguration ?? null,
      environmentId: d.environmentId ?? null,
      environmentVariables: d.environmentVariables,
      compute: d.compute || null,
      resources: { instanceCount: d.resources.instanceCount, instanceType: d.resources.instanceType ?? null },
      maxConcurrencyPerInstance: d.maxConcurrencyPerInstance,
      miniBatchSize: d.miniBatchSplit ?? d.miniBatchSize,
      outputAction: d.outputAction,
      outputFileName: d.outputFileName,
      retrySettings: {
        maxRetries: d.retrySettings.maxRetries,
        timeout: isoDuration(d.retrySettings.timeoutSeconds),
      },
      errorThreshold: d.errorThreshold,
      loggingLevel: d.loggingLevel,
      provisioningState: d.provisioningState,
    },
    systemData: d.systemData,
  };
}

export function listView<T>(value: T[]) {
  return { value, nextLink: null };
}
