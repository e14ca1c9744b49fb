/**
 * How the driver of a job scored by `nightshift worker`s follows it: no pool and no loop of its own, but a
 * poll of the store that does what the end of each of its own attempts would (append parts, log progress,
 * end the job on the threshold or when nothing is open). It polls when a worker signals that it ended an
 * attempt (at most every SIGNALED_GAP_MS), and every POLL_MS whatever comes, since signals may be lost.
 * The same poll counts the workers' attempts in this server's metrics, from the mini-batch records in
 * index order, once each: the ended mini-batch's last attempt with its outcome and duration, and each
 * earlier attempt as retried.
 */
import type { Logger } from 'pino';
import type { MiniBatchRecord } from '../../core/jobs.ts';
import type { JobRepository } from '../../store/contract.ts';
import type { AttemptLabels, EngineMetrics } from '../engine-metrics.ts';
import type { JobLoop } from '../job-loop.ts';
import { jobTopic, type Signals } from '../signals/contract.ts';

const POLL_MS = 250;
// A job of many short mini-batches signals hundreds of times a second: polls stay this far apart.
const SIGNALED_GAP_MS = 50;
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
  signals?: Signals | undefined;
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
  let again = false;
  let last = 0;
  let soon: NodeJS.Timeout | undefined;
  const poll = () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    last = Date.now();
    // Counted first: the poll that ends the job must find every attempt already in the metrics.
    void count()
      .then(options.poll)
      .catch(options.onError)
      .finally(() => {
        busy = false;
        if (again) {
          again = false;
          pollSoon();
        }
      });
  };
  function pollSoon(): void {
    if (soon !== undefined) return;
    soon = setTimeout(
      () => {
        soon = undefined;
        poll();
      },
      Math.max(0, last + SIGNALED_GAP_MS - Date.now()),
    );
  }
  const timer = setInterval(poll, POLL_MS);
  timer.unref();
  const signaled = options.signals?.subscribe(jobTopic(options.job), pollSoon);
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
      clearTimeout(soon);
      signaled?.close();
    },
    inflight: () => [],
  };
}
