/**
 * One attempt at one delivery: claim the attempt (so of several servers one sends it), sign and POST the
 * stored body, then record the outcome: done, the next attempt after the retry wait, or a dead letter
 * when the attempts or the time to live have run out. A claim another server holds is left alone until it
 * is old enough that its sender must have stopped; a stop in the middle of a POST gives the claim back.
 */
import type { Logger } from 'pino';
import type { EventSubscription } from '../../core/event-subscriptions.ts';
import { retryDelay, type Delivery, type DeliveryStore, type RetrySchedule } from './deliveries.ts';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from './signature.ts';
import type { EventSubscriptionService } from './subscriptions.ts';
import { postWebhook, type PostOptions, type PostOutcome } from './webhook-post.ts';

export interface AttemptDeps {
  subscriptions: Pick<EventSubscriptionService, 'get' | 'secretOf'>;
  deliveries: DeliveryStore;
  post: PostOptions;
  schedule: RetrySchedule;
  /** This server's name, on the claims it takes. */
  owner: string;
  pollMs: number;
  logger: Logger;
}

/** What became of the attempt, for the loop: `elsewhere` when another server holds it. */
export type AttemptResult = 'done' | 'elsewhere';

function headersFor(sub: EventSubscription, d: Delivery, attempt: number, secret: string, now: number) {
  const timestamp = Math.floor(now / 1000);
  return {
    'content-type': d.contentType,
    'aeg-event-type': 'Notification',
    'aeg-subscription-name': sub.name.toUpperCase(),
    'aeg-delivery-count': String(attempt - 1),
    ...(sub.schema === 'EventGridSchema' ? { 'aeg-data-version': '2', 'aeg-metadata-version': '1' } : {}),
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signBody(secret, timestamp, d.body),
  };
}

/** The time to live: the subscription's, never more than the server's. */
function ttlOf(deps: AttemptDeps, sub: EventSubscription): number {
  return Math.min(sub.retryPolicy.eventTimeToLiveInMinutes * 60_000, deps.schedule.maxTtlMs);
}

async function recordFailure(
  deps: AttemptDeps,
  sub: EventSubscription,
  d: Delivery,
  attempt: number,
  out: PostOutcome,
): Promise<void> {
  const now = Date.now();
  const next: Delivery = {
    ...d,
    attempts: attempt,
    lastDeliveryAttemptTime: new Date(now).toISOString(),
    lastDeliveryOutcome: out.outcome,
    ...(out.status === undefined ? {} : { lastHttpStatusCode: out.status }),
    ...(out.detail === undefined ? {} : { lastError: out.detail }),
    nextAttemptAt: now + retryDelay(deps.schedule, attempt),
  };
  if (attempt >= sub.retryPolicy.maxDeliveryAttempts) {
    await deps.deliveries.deadLetter(next, 'MaxDeliveryAttemptExceeded', new Date(now));
  } else if (next.nextAttemptAt - Date.parse(d.publishTime) >= ttlOf(deps, sub)) {
    await deps.deliveries.deadLetter(next, 'TimeToLiveExceeded', new Date(now));
  } else await deps.deliveries.save(next);
}

/** Counts another server's claim as a lost attempt once it is older than any POST could take. */
async function takeOverStale(deps: AttemptDeps, d: Delivery, attempt: number, now: number): Promise<void> {
  const claim = await deps.deliveries.claimOf(d, attempt);
  if (claim && now - claim.at > deps.post.timeoutMs * 2 + deps.pollMs) {
    await deps.deliveries.save({ ...d, attempts: attempt, nextAttemptAt: now, lastDeliveryOutcome: 'Error' });
  }
}

export async function attemptDelivery(
  deps: AttemptDeps,
  d: Delivery,
  signal: AbortSignal,
): Promise<AttemptResult> {
  const sub = await deps.subscriptions.get(d.subscription).catch(() => undefined);
  if (!sub) return deps.deliveries.finish(d).then(() => 'done');
  const now = Date.now();
  if (now - Date.parse(d.publishTime) >= ttlOf(deps, sub)) {
    await deps.deliveries.deadLetter(d, 'TimeToLiveExceeded', new Date(now));
    return 'done';
  }
  const n = d.attempts + 1;
  if (!(await deps.deliveries.claim(d, n, deps.owner, now))) {
    await takeOverStale(deps, d, n, now);
    return 'elsewhere';
  }
  // Sent or moved on by another server between the loop's read and the claim: nothing to do.
  const current = await deps.deliveries.get(d);
  if (current?.attempts !== d.attempts) return deps.deliveries.unclaim(d, n).then(() => 'done');
  const headers = headersFor(sub, d, n, deps.subscriptions.secretOf(sub), now);
  const out = await postWebhook(sub.endpointUrl, d.body, headers, deps.post, signal);
  if (signal.aborted) await deps.deliveries.unclaim(d, n);
  else if (out.ok) await deps.deliveries.finish(d);
  else {
    deps.logger.debug({ subscription: sub.name, event: d.id, attempt: n, ...out }, 'webhook delivery failed');
    await recordFailure(deps, sub, d, n, out);
  }
  return 'done';
}
