/**
 * Signals between the processes of a scaled-out deployment: a server that publishes a job for workers,
 * a worker that ended an attempt. They only shorten waits: whoever listens also polls the metadata store
 * (the source of truth) on a timer, so a signal that is lost (nobody listening yet, a connection down)
 * delays its listener until the next poll and changes nothing else. Nothing is carried but the topic.
 */

export interface Subscription {
  /** Resolves once signals published from now on reach the handler. */
  readonly ready: Promise<void>;
  close(): void;
}

export interface Signals {
  /** Tells every subscriber of `topic`, in any process of the deployment. Never rejects. */
  publish(topic: string): Promise<void>;
  /** Calls `onSignal` for each signal on `topic` until the subscription is closed. */
  subscribe(topic: string, onSignal: () => void): Subscription;
  close(): Promise<void>;
}

/** The topic of a job's changes: a worker ended one of its attempts. */
export const jobTopic = (job: string) => `job:${job.toLowerCase()}`;

/** The topic of the jobs published for workers: one was published or ended. */
export const REMOTE_JOBS_TOPIC = 'remote-jobs';
