/**
 * What the engine tells the metrics as it runs mini-batches: an attempt started, and how it ended and how
 * long its worker spent on it. An interface the composition root fills (prometheus-metrics.ts), so the
 * engine knows no metrics library and every app counts its own jobs, never a process-wide registry.
 */

/** Who an attempt's time and outcome are counted for. */
export interface AttemptLabels {
  endpoint: string;
  deployment: string;
  compute: string;
}

/** How an attempt ended for its mini-batch: done, back to the queue for a retry, or failed for good. */
export type AttemptOutcome = 'succeeded' | 'retried' | 'failed';

export interface EngineMetrics {
  attemptStarted(labels: AttemptLabels): void;
  attemptEnded(labels: AttemptLabels, outcome: AttemptOutcome, elapsedMs: number): void;
}

/** The metrics sink and the labels of one job's attempts, or nothing when the server keeps no metrics. */
export function attemptMetrics(
  sink: EngineMetrics | undefined,
  job: { endpointName: string; deploymentName: string; compute: string },
): { metrics?: { sink: EngineMetrics; labels: AttemptLabels } } {
  if (!sink) return {};
  const labels = { endpoint: job.endpointName, deployment: job.deploymentName, compute: job.compute };
  return { metrics: { sink, labels } };
}
