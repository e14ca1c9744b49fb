/**
 * Job events put together for the composition root: the subscription service (for the API) and the
 * dispatcher (the job status listener), sharing the store, the secret box and one outbound URL check.
 */
import type { Logger } from 'pino';
import type { SecretBox } from '../../auth/secrets/secret-box.ts';
import type { ResourceRepository } from '../../store/contract.ts';
import type { UrlPolicy } from '../../storage/http/url-policy.ts';
import { createDeliveryStore, type RetrySchedule } from './deliveries.ts';
import { createEventDispatcher, type EventDispatcher } from './dispatcher.ts';
import { createEventSubscriptionService, type EventSubscriptionService } from './subscriptions.ts';
import { checkWebhookUrl, type PostOptions } from './webhook-post.ts';

export interface JobEventsOptions {
  repo: ResourceRepository;
  secrets: SecretBox;
  actor: string;
  /** The workspace's ARM id. */
  topic: string;
  /** The operator's outbound URL policy (the one URL inputs obey) and extra certificate authorities. */
  urls: { policy: UrlPolicy; ca?: string };
  /** This server's URLs once it listens: never a webhook target. */
  listening: () => readonly string[];
  delivery: RetrySchedule & { timeoutMs: number; pollMs: number };
  owner: string;
  logger: Logger;
}

export function createJobEvents(o: JobEventsOptions): {
  subscriptions: EventSubscriptionService;
  dispatcher: EventDispatcher;
} {
  const deliveries = createDeliveryStore(o.repo);
  const post: PostOptions = {
    policy: o.urls.policy,
    ...(o.urls.ca === undefined ? {} : { ca: o.urls.ca }),
    own: o.listening,
    timeoutMs: o.delivery.timeoutMs,
  };
  const subscriptions = createEventSubscriptionService({
    repo: o.repo,
    secrets: o.secrets,
    actor: o.actor,
    checkEndpoint: async (url, field) => {
      await checkWebhookUrl(url, field, post);
    },
    onRemoved: (name) => deliveries.dropSubscription(name),
  });
  const dispatcher = createEventDispatcher({
    subscriptions,
    deliveries,
    topic: o.topic,
    post,
    schedule: o.delivery,
    owner: o.owner,
    pollMs: o.delivery.pollMs,
    logger: o.logger,
  });
  return { subscriptions, dispatcher };
}
