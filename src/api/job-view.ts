/**
 * A job on the wire: Azure's BatchJobResource (id, name, type, properties.status, outputData, tags that
 * mark it a batch run, systemData) plus what Azure makes users dig for: live progress counts, the first
 * real error and the one-line result. Its interaction endpoints name only pages that exist: the log tree
 * (there is no studio yet, and a link answering 401 JSON in a browser helps nobody).
 */
import { Type } from '@sinclair/typebox';
import { isTerminal, type JobCounts, type JobRecord } from '../core/jobs.ts';
import type { SystemData as SystemDataRecord } from '../core/resources.ts';
import { isoDuration } from '../core/wire-values.ts';
import { ARM_TYPES, resourceIds, workspaceId, type WorkspaceRef } from '../core/workspace.ts';
import { nullable, open, SystemData } from './schemas.ts';

/** The job view's schema: the fields clients rely on are typed; the rest pass through as they are. */
export const JobSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    type: Type.String(),
    properties: open('The batch job: inputs, outputs, settings, status, progress, error and result.', {
      status: Type.String({ description: 'NotStarted, Preparing, Running, Completed, Failed or Canceled.' }),
      provisioningState: Type.String(),
      interactionEndpoints: open('Links for the job: Logs (the log tree).'),
      outputData: open('The outputs; `score` is the output file.'),
      progress: open('Mini-batch, item and row counts, live while the job runs.'),
      workerSeconds: Type.Number({
        description: "Seconds worker processes spent on the job's mini-batches, every attempt included.",
      }),
      error: Type.Unknown({ description: 'The first real error (message, traceback), or null.' }),
      result: nullable(Type.String()),
      startTime: nullable(Type.String()),
      endTime: nullable(Type.String()),
    }),
    systemData: SystemData,
  },
  { additionalProperties: true, description: 'A batch job.' },
);

/** Azure's systemData fields only: the creator's object id is for own-jobs checks, not for the wire. */
function azureSystemData(data: SystemDataRecord): Omit<SystemDataRecord, 'createdById'> {
  const shown = { ...data };
  delete shown.createdById;
  return shown;
}

function jobId(ws: WorkspaceRef, job: JobRecord, underDeployment = false): string {
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
      compute: {
        isLocal: true,
        instanceCount: job.instanceCount,
        ...(job.compute ? { target: job.compute } : {}),
      },
      interactionEndpoints: {
        Logs: { endpoint: `${baseUrl}${resourceIds.job(ws, job.name)}/logs`, jobEndpointType: 'Logs' },
      },
      inputData: job.inputData,
      outputData: { score: { jobOutputType: 'UriFile', mode: 'ReadWriteMount', uri: job.output.uri } },
      output: {
        datastoreId: `${workspaceId(ws)}/datastores/${job.output.datastore}`,
        path: job.output.folder,
      },
      outputFileName: job.output.fileName,
      miniBatchSize: job.settings.miniBatchSplit ?? job.settings.miniBatchSize,
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
        // A rerun names its parent (engine/rerun.ts), as Azure's properties name a run's lineage.
        ...(job.rerunOf
          ? {
              'nightshift.rerunOf': job.rerunOf.job,
              'nightshift.rerunFailedOnly': String(job.rerunOf.failedOnly),
              'nightshift.reusedMiniBatches': String(job.rerunOf.reusedMiniBatches),
            }
          : {}),
      },
      tags: {
        ...job.tags,
        'azureml.batchrun': 'true',
        'azureml.deploymentname': job.deploymentName,
        'azureml.jobtype': 'azureml.pipelinejob',
      },
      progress: counts,
      workerSeconds: counts.workerSeconds,
      // Which model version scored the job (Nightshift's: the studio's model page lists a version's jobs).
      model: { id: job.runtime.modelId, name: job.runtime.modelName, version: job.runtime.modelVersion },
      error: job.error ?? null,
      result: job.result ?? null,
      startTime: job.startedAt ?? null,
      endTime: job.endedAt ?? null,
    },
    systemData: {
      ...azureSystemData(job.systemData),
      lastModifiedAt: job.endedAt ?? job.startedAt ?? job.systemData.lastModifiedAt,
    },
  };
}
