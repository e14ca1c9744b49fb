/**
 * The server's metrics in Prometheus's text format (prom-client), one Registry per app: many apps run
 * side by side in one test process, so nothing goes to prom-client's global default registry. Counters
 * and the duration histogram are fed by the engine as it records attempts (EngineMetrics); the gauges
 * (jobs by status, queue depth and workers per compute) are read from the store, the queue and the node
 * registry when scraped, so they say what is true now rather than what was counted.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_STATUSES, type JobStatus } from '../core/jobs.ts';
import { LOCAL_COMPUTE } from '../core/computes.ts';
import type { JobRepository } from '../store/contract.ts';
import type { ComputeNodeRegistry } from './compute-nodes.ts';
import type { AttemptLabels, AttemptOutcome, EngineMetrics } from './engine-metrics.ts';
import type { TaskQueue } from './queue/contract.ts';

export interface MetricsSources {
  jobs: JobRepository;
  queue: TaskQueue;
  nodes: ComputeNodeRegistry;
  /** The computes of the workspace, so each has its series even while idle. */
  computeNames(): Promise<string[]>;
}

export interface PrometheusMetrics extends EngineMetrics {
  /** The exposition: text and its content type. */
  render(): Promise<{ contentType: string; text: string }>;
}

/** Jobs counted for the status gauge: the newest this many (the store lists no more at once). */
const JOBS_COUNTED = 10_000;

const ATTEMPT_LABELS = ['endpoint', 'deployment', 'compute'] as const;

/** Series for every compute (and the server's own pool) at 0, then what the source says. */
async function perCompute(
  sources: MetricsSources,
  values: Map<string, number>,
): Promise<Map<string, number>> {
  const all = new Map<string, number>([[LOCAL_COMPUTE, 0]]);
  for (const name of await sources.computeNames()) all.set(name, 0);
  for (const [name, n] of values) all.set(name, (all.get(name) ?? 0) + n);
  return all;
}

function gauges(registry: Registry, sources: MetricsSources): void {
  new Gauge({
    name: 'nightshift_jobs',
    help: 'Jobs by status (the newest 10,000 jobs).',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = new Map<JobStatus, number>(JOB_STATUSES.map((s) => [s, 0]));
      for (const job of await sources.jobs.list({ limit: JOBS_COUNTED })) {
        counts.set(job.status, (counts.get(job.status) ?? 0) + 1);
      }
      this.reset();
      for (const [status, n] of counts) this.set({ status }, n);
    },
  });
  new Gauge({
    name: 'nightshift_queue_depth',
    help: 'Mini-batches waiting in the queue for a worker, per compute.',
    labelNames: ['compute'],
    registers: [registry],
    async collect() {
      const waiting = new Map<string, number>();
      for (const job of await sources.jobs.listActive()) {
        const compute = job.compute ?? LOCAL_COMPUTE;
        const { ready } = await sources.queue.pending(job.name);
        waiting.set(compute, (waiting.get(compute) ?? 0) + ready);
      }
      this.reset();
      for (const [compute, n] of await perCompute(sources, waiting)) this.set({ compute }, n);
    },
  });
  new Gauge({
    name: 'nightshift_workers',
    help: 'Live worker processes per compute.',
    labelNames: ['compute'],
    registers: [registry],
    async collect() {
      const live = await sources.nodes.countByCompute();
      this.reset();
      for (const [compute, n] of await perCompute(sources, live)) this.set({ compute }, n);
    },
  });
}

export function createPrometheusMetrics(sources: MetricsSources): PrometheusMetrics {
  const registry = new Registry();
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ATTEMPT_LABELS, registers: [registry] });
  const started = counter('nightshift_mini_batches_started_total', 'Mini-batch attempts started.');
  const ended: Record<AttemptOutcome, Counter<(typeof ATTEMPT_LABELS)[number]>> = {
    succeeded: counter(
      'nightshift_mini_batches_succeeded_total',
      'Mini-batch attempts whose run() finished.',
    ),
    failed: counter(
      'nightshift_mini_batches_failed_total',
      'Mini-batch attempts that failed with no retry left (the mini-batch failed).',
    ),
    retried: counter(
      'nightshift_mini_batches_retried_total',
      'Mini-batch attempts that failed and went back to the queue for a retry.',
    ),
  };
  const duration = new Histogram({
    name: 'nightshift_mini_batch_duration_seconds',
    help: 'How long mini-batch attempts took on their worker, whatever their outcome.',
    labelNames: ['compute'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
    registers: [registry],
  });
  const workerSeconds = new Counter({
    name: 'nightshift_worker_seconds_total',
    help: 'Seconds worker processes spent on mini-batches, every attempt included, per deployment.',
    labelNames: ['endpoint', 'deployment'],
    registers: [registry],
  });
  gauges(registry, sources);
  return {
    attemptStarted(labels: AttemptLabels) {
      started.inc({ ...labels });
    },
    attemptEnded(labels, outcome, elapsedMs) {
      // Whole milliseconds, as the store keeps them, so the counter and the jobs' workerSeconds agree.
      const seconds = Math.max(0, Math.round(elapsedMs)) / 1000;
      ended[outcome].inc({ ...labels });
      duration.observe({ compute: labels.compute }, seconds);
      workerSeconds.inc({ endpoint: labels.endpoint, deployment: labels.deployment }, seconds);
    },
    async render() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}
