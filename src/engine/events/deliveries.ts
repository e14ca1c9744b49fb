/**
 * The delivery records kept in the metadata store, so pending deliveries survive a restart and any server
 * of a scaled-out group may send them: a pending delivery per (subscription, event), a claim per attempt
 * (the repository's insert-if-absent, so of servers racing for an attempt one sends it), and the
 * dead-letter entry an event becomes when its attempts or its time to live run out. Also the retry
 * schedule: exponential from a base (10 s by default), capped (1 h), within the time to live (24 h).
 */
import type { ResourceRepository } from '../../store/contract.ts';

export interface Delivery {
  /** The event's id (the same for every subscription it goes to). */
  id: string;
  subscription: string;
  eventType: string;
  subject: string;
  /** The exact bytes sent (as text), so every attempt signs and sends the same body. */
  body: string;
  contentType: string;
  /** When the event was published (ISO); the time to live counts from it. */
  publishTime: string;
  attempts: number;
  /** Epoch milliseconds of the next attempt. */
  nextAttemptAt: number;
  lastDeliveryAttemptTime?: string;
  lastDeliveryOutcome?: string;
  lastHttpStatusCode?: number;
  lastError?: string;
}

/** Event Grid's dead-letter reasons. */
export type DeadLetterReason = 'MaxDeliveryAttemptExceeded' | 'TimeToLiveExceeded';

export interface DeadLetter extends Omit<Delivery, 'nextAttemptAt' | 'attempts'> {
  deadLetterReason: DeadLetterReason;
  deliveryAttempts: number;
  deadLetteredAt: string;
}

export interface RetrySchedule {
  /** The wait after the first failed attempt; each later one doubles it. */
  baseMs: number;
  maxDelayMs: number;
  /** The longest time to live; a subscription's retry policy may shorten it, never lengthen it. */
  maxTtlMs: number;
}

/** The wait before attempt `attempts + 1`, after `attempts` failed ones. */
export function retryDelay(schedule: RetrySchedule, attempts: number): number {
  return Math.min(schedule.baseMs * 2 ** Math.max(0, attempts - 1), schedule.maxDelayMs);
}

const PENDING = 'eventDelivery';
const DEAD = 'eventDeadLetter';
const CLAIM = 'eventDeliveryClaim';

export function createDeliveryStore(repo: ResourceRepository) {
  const key = (d: Pick<Delivery, 'subscription' | 'id'>) => ({
    scope: d.subscription.toLowerCase(),
    name: d.id,
  });
  return {
    add: (d: Delivery) => repo.insert(PENDING, key(d), d),
    list: () => repo.list<Delivery>(PENDING),
    get: (d: Pick<Delivery, 'subscription' | 'id'>) => repo.get<Delivery>(PENDING, key(d)),
    save: (d: Delivery) => repo.replace(PENDING, key(d), d),
    async finish(d: Delivery): Promise<void> {
      await repo.remove(PENDING, key(d));
      await repo.removeScope(CLAIM, d.id.toLowerCase());
    },
    /** Takes attempt `attempt` of the delivery for `owner`; false when another server took it. */
    claim: (d: Delivery, attempt: number, owner: string, now: number) =>
      repo.insert(
        CLAIM,
        { scope: d.id.toLowerCase(), name: `${d.subscription.toLowerCase()}-${String(attempt)}` },
        { owner, at: now },
      ),
    /** Gives an attempt back (the server stopped mid-POST), so the next start sends it again at once. */
    unclaim: async (d: Delivery, attempt: number): Promise<void> => {
      await repo.remove(CLAIM, {
        scope: d.id.toLowerCase(),
        name: `${d.subscription.toLowerCase()}-${String(attempt)}`,
      });
    },
    claimOf: (d: Delivery, attempt: number) =>
      repo.get<{ owner: string; at: number }>(CLAIM, {
        scope: d.id.toLowerCase(),
        name: `${d.subscription.toLowerCase()}-${String(attempt)}`,
      }),
    async deadLetter(d: Delivery, reason: DeadLetterReason, at: Date): Promise<void> {
      const entry: DeadLetter & Partial<Delivery> = {
        ...d,
        deadLetterReason: reason,
        deliveryAttempts: d.attempts,
        deadLetteredAt: at.toISOString(),
      };
      delete entry.attempts;
      delete entry.nextAttemptAt;
      await repo.insert(DEAD, key(d), entry);
      await this.finish(d);
    },
    /** A deleted subscription's pending deliveries and dead letters go with it. */
    async dropSubscription(name: string): Promise<void> {
      for (const d of await repo.list<Delivery>(PENDING, { scope: name.toLowerCase() })) await this.finish(d);
      await repo.removeScope(DEAD, name.toLowerCase());
    },
  };
}

export type DeliveryStore = ReturnType<typeof createDeliveryStore>;
