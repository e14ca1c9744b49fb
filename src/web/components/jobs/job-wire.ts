/**
 * A batch job as the REST API returns it (the fields the studio's lists read), and what the lists derive
 * from one: how far along it is and the first line of its first error. Shared by the overview, the jobs
 * list and the model page, so they show a job the same way.
 */

export interface JobError {
  code?: string;
  message?: string;
}

export interface JobProgress {
  miniBatches: { total: number; succeeded: number; failed: number; canceled: number; running: number };
  items: { total: number; succeeded: number; failed: number };
}

export interface JobResource {
  name: string;
  properties: {
    status: string;
    properties?: Record<string, string>;
    progress?: JobProgress;
    error?: JobError | null;
    startTime?: string | null;
    endTime?: string | null;
    model?: { id: string; name: string; version: string };
  };
  systemData?: { createdAt?: string; createdBy?: string };
}

export const endpointOf = (job: JobResource) => job.properties.properties?.['azureml.endpointname'] ?? '';
export const deploymentOf = (job: JobResource) => job.properties.properties?.['azureml.deploymentname'] ?? '';

/** Mini-batches done (whatever their outcome) out of all, or undefined before the job is planned. */
export function doneOf(job: JobResource): { done: number; total: number } | undefined {
  const m = job.properties.progress?.miniBatches;
  if (!m || m.total === 0) return undefined;
  return { done: m.succeeded + m.failed + m.canceled, total: m.total };
}

/** `Code: first line of the message`, as the CLI's table shows a job's first error. */
export function firstErrorLine(error: JobError | null | undefined): string | undefined {
  if (!error) return undefined;
  const first = (error.message ?? '').trim().split(/\r?\n/)[0] ?? '';
  return [error.code ?? '', first].filter((part) => part !== '').join(': ') || undefined;
}

/** The studio page of a job (built by the job detail page). */
export const jobHref = (name: string) => `/studio/jobs/${encodeURIComponent(name)}`;
