/**
 * A job on the wire: Azure's BatchJobResource (id, name, type, properties.status, outputData, tags that
 * mark it a batch run, systemData) plus what Azure makes users dig for: live progress counts, the first
 * real error and the one-line result.
 */
import { isTerminal, type JobCounts, type JobRecord } from '../core/jobs.ts';
import { isoDuration } from '../core/wire-values.ts';
import { ARM_TYPES, resourceIds, workspaceId, type WorkspaceRef } from '../core/workspace.ts';

export function jobId(ws: WorkspaceRef, job: JobRecord, underDeployment = false): string {
  const endpoint = resourceIds.endpoint(ws, job.endpointName);
  return underDeployment
    ? `${endpoint}/deployments/${job.deploymentName}/jobs/${job.name}`
    : `${endpoint}/jobs/${job.name}`;
}

function provisioningState(job: JobRecord): string {
  if (!isTerminal(job.status)) return 'InProgress';
  return job.status === 'Completed' ? 'Succeeded' : job.status;
}

export function jobView(
  ws: WorkspaceRef,
  job: JobRecord,
  counts: JobCounts,
  baseUrl: string,
  underDeployment = false,
) {
  const id = jobId(ws, job, underDeployment);
  return {
    id,
    name: job.name,
    type: underDeployment ? ARM_TYPES.deploymentJob : ARM_TYPES.job,
    properties: {
      name: job.name,
      description: job.description,
      status: job.status,
      provisioningState: provisioningState(job),
      compute: { isLocal: true, instanceCount: job.instanceCount },
      interactionEndpoints: {
        Studio: { endpoint: `${baseUrl}${resourceIds.job(ws, job.name)}`, jobEndpointType: 'Studio' },
        Logs: { endpoint: `${baseUrl}${resourceIds.job(ws, job.name)}/logs`, jobEndpointType: 'Logs' },
      },
      inputData: job.inputData,
      outputData: { score: { jobOutputType: 'UriFile', mode: 'ReadWriteMount', uri: job.output.uri } },
      output: {
        datastoreId: `${workspaceId(ws)}/datastores/${job.output.datastore}`,
        path: job.output.folder,
      },
      outputFileName: job.output.fileName,
      miniBatchSize: job.settings.miniBatchSize,
      errorThreshold: job.settings.errorThreshold,
      retrySettings: {
        maxRetries: job.settings.retrySettings.maxRetries,
        timeout: isoDuration(job.settings.retrySettings.timeoutSeconds),
      },
      properties: {
        'azureml.endpointname': job.endpointName,
        'azureml.deploymentname': job.deploymentName,
        'azureml.defaultDataStoreName': 'workspaceblobstore',
        'azureml.runLineageType': 'batchDeployment',
        runSource: 'BatchDeployment',
        runType: 'HTTP',
      },
      tags: {
        ...job.tags,
        'azureml.batchrun': 'true',
        'azureml.deploymentname': job.deploymentName,
        'azureml.jobtype': 'azureml.pipelinejob',
      },
      progress: counts,
      error: job.error ?? null,
      result: job.result ?? null,
      startTime: job.startedAt ?? null,
      endTime: job.endedAt ?? null,
    },
    systemData: {
      ...job.systemData,
      lastModifiedAt: job.endedAt ?? job.startedAt ?? job.systemData.lastModifiedAt,
    },
  };
}
