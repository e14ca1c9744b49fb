/**
 * How the driver of a job scored by `nightshift worker`s follows it: no pool and no loop of its own, but a
 * poll of the store every quarter second that does what the end of each of its own attempts would (append
 * parts, log progress, end the job on the threshold or when nothing is open). The same poll counts the
 * workers' attempts in this server's metrics, from the mini-batch records in index order, once each: the
 * ended mini-batch's last attempt with its outcome and duration, and each earlier attempt as retried.
 */
import type { Logger } from 'pino';
import type { MiniBatchRecord } from '../../core/jobs.ts';
import type { JobRepository } from '../../store/contract.ts';
import type { AttemptLabels, EngineMetrics } from '../engine-metrics.ts';
import type { JobLoop } from '../job-loop.ts';

const POLL_MS = 250;
const ENDED = new Set<MiniBatchRecord['state']>(['succeeded', 'failed', 'canceled']);

export interface RemoteWatchOptions {
  jobs: JobRepository;
  job: string;
  compute: string;
  logger: Logger;
  /** What the end of an attempt does on the driver: afterAttempt. */
  poll: () => Promise<void>;
  onError: (error: unknown) => void;
  metrics?: { sink: EngineMetrics; labels: AttemptLabels };
}

function counter(options: RemoteWatchOptions): () => Promise<void> {
  let next = 0;
  return async () => {
    const { metrics } = options;
    if (!metrics) return;
    for (;;) {
      const mb = await options.jobs.getMiniBatch(options.job, next);
      if (!mb || !ENDED.has(mb.state)) return;
      next++;
      if (mb.state !== 'succeeded' && mb.state !== 'failed') continue;
      if (mb.attempts === 0) continue;
      for (let i = 0; i < mb.attempts; i++) metrics.sink.attemptStarted(metrics.labels);
      for (let i = 1; i < mb.attempts; i++) metrics.sink.attemptEnded(metrics.labels, 'retried', 0);
      metrics.sink.attemptEnded(metrics.labels, mb.state, mb.elapsedMs ?? 0);
    }
  };
}

export function watchRemoteJob(options: RemoteWatchOptions): JobLoop {
  const count = counter(options);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    // Counted first: the poll that ends the job must find every attempt already in the metrics.
    void count()
      .then(options.poll)
      .catch(options.onError)
      .finally(() => {
        busy = false;
      });
  }, POLL_MS);
  timer.unref();
  // Azure's word for a job waiting for its compute's nodes; the first worker's attempt makes it Running.
  void options.jobs
    .update(options.job, { status: 'Queued' }, ['Preparing'])
    .then((queued) => {
      if (queued)
        options.logger.info({ job: options.job, compute: options.compute }, 'job queued for its compute');
    })
    .catch(options.onError);
  return {
    pump: () => undefined,
    stop: () => {
      clearInterval(timer);
    },
    inflight: () => [],
  };
}
