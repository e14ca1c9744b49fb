/**
 * Sends job events to their subscriptions, off the job's path. A status change (status-listener.ts)
 * becomes, for each subscription that asks for it, a pending delivery in the metadata store; a loop then
 * sends what is due, each POST with its own deadline, and on failure waits an exponentially growing delay
 * before the next attempt, until the attempts or the time to live run out and the event becomes a
 * dead-letter entry. Nothing here is awaited by the job: a failing or hanging receiver costs the job
 * nothing. Deliveries are read back from the store on every round, so they survive a restart and a
 * delivery recorded by another server of a scaled-out group is sent too (each attempt claimed once).
 */
import { eventTypesFor, passesFilters, type AzureEventType } from '../../core/event-subscriptions.ts';
import type { JobRecord } from '../../core/jobs.ts';
import type { Json } from '../../core/wire-values.ts';
import type { Delivery } from './deliveries.ts';
import { attemptDelivery, type AttemptDeps } from './delivery-attempt.ts';
import { eventBody, jobEvent, type JobEvent } from './job-events.ts';
import type { JobStatusListener } from './status-listener.ts';
import type { EventSubscriptionService } from './subscriptions.ts';

export interface DispatcherDeps extends AttemptDeps {
  subscriptions: Pick<EventSubscriptionService, 'list' | 'get' | 'secretOf'>;
  /** The workspace's ARM id: every event's topic (and CloudEvents source). */
  topic: string;
  /** How often the store is read for deliveries other servers recorded (and as a safety net). */
  pollMs: number;
  /** POSTs at once, across subscriptions (16). */
  maxInFlight?: number;
}

export interface EventDispatcher extends JobStatusListener {
  start(): void;
  stop(): Promise<void>;
}

const keyOf = (d: Pick<Delivery, 'subscription' | 'id'>) => `${d.subscription.toLowerCase()}/${d.id}`;

export function createEventDispatcher(deps: DispatcherDeps): EventDispatcher {
  const inFlight = new Set<string>();
  /** Deliveries whose current attempt another server claimed, and when to look at them again. */
  const elsewhere = new Map<string, number>();
  let waking = false;
  const publishing = new Set<Promise<void>>();
  const aborter = new AbortController();
  const maxInFlight = deps.maxInFlight ?? 16;
  /** POSTs at once to one subscription: a hanging receiver holds at most this many, never every slot. */
  const perSubscription = Math.max(1, Math.floor(maxInFlight / 2));
  const busy = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let started = false;

  async function publish(job: JobRecord): Promise<void> {
    const events = new Map<AzureEventType, JobEvent>();
    const now = new Date();
    for (const sub of await deps.subscriptions.list()) {
      for (const type of eventTypesFor(sub.events, job.status)) {
        const event = events.get(type) ?? jobEvent(job, type, deps.topic, now);
        events.set(type, event);
        if (!passesFilters(sub.advancedFilters, event as unknown as Json)) continue;
        const { body, contentType } = eventBody(event, sub.schema);
        await deps.deliveries.add({
          id: event.id,
          subscription: sub.name,
          eventType: type,
          subject: event.subject,
          body,
          contentType,
          publishTime: event.eventTime,
          attempts: 0,
          nextAttemptAt: now.getTime(),
        });
      }
    }
    wake();
  }

  function launch(d: Delivery): void {
    const key = keyOf(d);
    const sub = d.subscription.toLowerCase();
    inFlight.add(key);
    busy.set(sub, (busy.get(sub) ?? 0) + 1);
    attemptDelivery(deps, d, aborter.signal)
      .then((result) => {
        // Another server is sending this attempt: look again after a poll, not at once.
        if (result === 'elsewhere') elsewhere.set(key, Date.now() + deps.pollMs);
      })
      .catch((error: unknown) => {
        deps.logger.warn({ err: error, subscription: d.subscription, event: d.id }, 'webhook delivery error');
      })
      .finally(() => {
        inFlight.delete(key);
        busy.set(sub, (busy.get(sub) ?? 1) - 1);
        wake();
      });
  }

  async function round(): Promise<void> {
    const now = Date.now();
    let next = now + deps.pollMs;
    for (const d of await deps.deliveries.list()) {
      const key = keyOf(d);
      if (inFlight.has(key)) continue;
      const until = elsewhere.get(key);
      if (until !== undefined && until > now) {
        next = Math.min(next, until);
        continue;
      }
      elsewhere.delete(key);
      const room =
        inFlight.size < maxInFlight && (busy.get(d.subscription.toLowerCase()) ?? 0) < perSubscription;
      if (d.nextAttemptAt > now) next = Math.min(next, d.nextAttemptAt);
      else if (room) launch(d);
      // Due but no room: the POST that ends first wakes the loop.
    }
    clearTimeout(timer);
    // Unreferenced: pending deliveries alone never keep a process alive (they are in the store).
    if (!aborter.signal.aborted) timer = setTimeout(wake, Math.max(0, next - Date.now())).unref();
  }

  /** Runs a round soon: always from a fresh turn of the event loop, so rounds never chain in microtasks. */
  function wake(): void {
    if (!started || aborter.signal.aborted || waking) return;
    waking = true;
    setImmediate(() => {
      waking = false;
      runRound();
    });
  }

  function runRound(): void {
    if (aborter.signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = round()
      .catch((error: unknown) => {
        deps.logger.warn({ err: error }, 'reading pending webhook deliveries failed');
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          wake();
        }
      });
  }

  return {
    statusChanged(job) {
      if (aborter.signal.aborted) return;
      const p = publish(job)
        .catch((error: unknown) => {
          deps.logger.warn({ err: error, job: job.name }, 'recording job events failed');
        })
        .finally(() => publishing.delete(p));
      publishing.add(p);
    },
    start() {
      started = true;
      wake();
    },
    async stop() {
      await Promise.allSettled([...publishing]);
      aborter.abort();
      clearTimeout(timer);
      await running;
      // In-flight attempts end at once (aborted) and give their claims back for the next start.
      while (inFlight.size > 0) await new Promise((r) => setTimeout(r, 5));
    },
  };
}
