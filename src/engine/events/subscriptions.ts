/**
 * Event subscriptions over the metadata store: create or replace, show, list, delete, and the dead-letter
 * entries of each. The signing secret is made here when the caller gives none (32 random bytes) and is
 * returned once, by the call that set it; the store keeps it sealed with the server's secret box and no
 * view carries it. The endpoint URL passes the server's outbound URL policy before it is saved (and again
 * before every delivery, see webhook-post.ts).
 */
import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../../auth/secrets/secret-box.ts';
import {
  checkSubscriptionName,
  readSubscriptionBody,
  type EventSubscription,
} from '../../core/event-subscriptions.ts';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import { newSystemData, touchSystemData } from '../../core/resources.ts';
import type { ResourceRepository } from '../../store/contract.ts';
import type { DeadLetter } from './deliveries.ts';

export type EventSubscriptionService = ReturnType<typeof createEventSubscriptionService>;

export interface SubscriptionDeps {
  repo: ResourceRepository;
  secrets: SecretBox;
  actor: string;
  /** Refuses a URL the server may not POST to (throws a ValidationError naming the field). */
  checkEndpoint(url: string, field: string): Promise<void>;
  /** Called after a subscription is deleted: its pending deliveries are dropped. */
  onRemoved?(name: string): Promise<void>;
}

const KIND = 'eventSubscription';

export function createEventSubscriptionService(deps: SubscriptionDeps) {
  async function get(name: string): Promise<EventSubscription> {
    const found = await deps.repo.get<EventSubscription>(KIND, { name });
    if (!found) {
      throw new NotFoundError(
        `Event subscription '${name}' was not found. List them with: nightshift event-subscription list`,
      );
    }
    return found;
  }

  /** Creates or replaces; `secret` is set only when this call made the secret (shown to the caller once). */
  async function put(
    name: string,
    body: unknown,
    actor = deps.actor,
  ): Promise<{ subscription: EventSubscription; created: boolean; secret?: string }> {
    checkSubscriptionName(name);
    const request = readSubscriptionBody(body);
    await deps.checkEndpoint(request.endpointUrl, 'properties.destination.properties.endpointUrl');
    const existing = await deps.repo.get<EventSubscription>(KIND, { name });
    const made =
      request.signingSecret === undefined && !existing ? randomBytes(32).toString('base64url') : undefined;
    const secret = request.signingSecret ?? made;
    const subscription: EventSubscription = {
      name: existing?.name ?? name,
      endpointUrl: request.endpointUrl,
      events: request.events,
      advancedFilters: request.advancedFilters,
      schema: request.schema,
      retryPolicy: request.retryPolicy,
      sealedSecret: secret === undefined ? (existing?.sealedSecret ?? '') : deps.secrets.seal(secret),
      systemData: existing ? touchSystemData(existing.systemData, actor) : newSystemData(actor),
    };
    if (existing) await deps.repo.replace(KIND, { name }, subscription);
    else if (!(await deps.repo.insert(KIND, { name }, subscription))) {
      throw new ConflictError(`Event subscription '${name}' was created at the same time; retry.`);
    }
    return { subscription, created: !existing, ...(made === undefined ? {} : { secret: made }) };
  }

  async function remove(name: string): Promise<void> {
    const found = await get(name);
    await deps.repo.remove(KIND, { name: found.name });
    await deps.onRemoved?.(found.name);
  }

  /** Dead-letter entries, oldest first: one subscription's, or every subscription's. */
  async function deadLetters(name?: string): Promise<DeadLetter[]> {
    if (name !== undefined) await get(name);
    return deps.repo.list<DeadLetter>(
      'eventDeadLetter',
      name === undefined ? {} : { scope: name.toLowerCase() },
    );
  }

  return {
    get,
    put,
    remove,
    deadLetters,
    list: () => deps.repo.list<EventSubscription>(KIND),
    /** The plain signing secret, for the dispatcher only (never a route). */
    secretOf: (s: EventSubscription) => deps.secrets.open(s.sealedSecret),
  };
}
