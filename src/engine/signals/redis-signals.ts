/**
 * Signals over Redis publish/subscribe, on the Redis that carries the task queue. Channels are named
 * under the queue's key prefix, because Redis channels are shared by every database of the server: two
 * deployments on one Redis with different prefixes never hear each other. One connection publishes;
 * one more, in subscriber mode as Redis requires, holds every subscription of this process, each channel
 * subscribed once however many handlers listen to it.
 */
import { Redis } from 'ioredis';
import type { Signals, Subscription } from './contract.ts';

export interface RedisSignalsOptions {
  /** A redis:// or rediss:// URL. */
  connection: string;
  prefix: string;
  /** Connection errors (ioredis reconnects by itself; an unheard 'error' would end the process). */
  onError: (error: Error) => void;
}

export function createRedisSignals(options: RedisSignalsOptions): Signals {
  const publisher = new Redis(options.connection, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const subscriber = new Redis(options.connection, { lazyConnect: true });
  publisher.on('error', options.onError);
  subscriber.on('error', options.onError);
  const handlers = new Map<string, Set<() => void>>();
  // Each channel's subscribe call, so a handler added while it is on its way waits for the same one.
  const subscribed = new Map<string, Promise<void>>();
  const channelOf = (topic: string) => `${options.prefix}:signals:${topic}`;

  subscriber.on('message', (channel: string) => {
    for (const handler of handlers.get(channel) ?? []) handler();
  });

  function listen(channel: string): Promise<void> {
    let done = subscribed.get(channel);
    if (done === undefined) {
      done = subscriber.subscribe(channel).then(
        () => undefined,
        (error: unknown) => {
          subscribed.delete(channel);
          options.onError(error as Error);
        },
      );
      subscribed.set(channel, done);
    }
    return done;
  }

  return {
    async publish(topic) {
      // A connection that is down is reported by its 'error' event, not once more per lost signal.
      await publisher.publish(channelOf(topic), '').catch(() => undefined);
    },
    subscribe(topic, onSignal): Subscription {
      const channel = channelOf(topic);
      const own = () => {
        onSignal();
      };
      const set = handlers.get(channel) ?? new Set();
      handlers.set(channel, set.add(own));
      return {
        ready: listen(channel),
        close() {
          set.delete(own);
          if (set.size > 0 || handlers.get(channel) !== set) return;
          handlers.delete(channel);
          subscribed.delete(channel);
          subscriber.unsubscribe(channel).catch((error: unknown) => {
            options.onError(error as Error);
          });
        },
      };
    },
    async close() {
      handlers.clear();
      subscribed.clear();
      // quit waits for Redis's answer, which a connection not up (never opened, or reconnecting to a
      // Redis that is down) would wait for as long as it retries: that one is simply dropped.
      await Promise.all(
        [publisher, subscriber].map(async (c) => {
          if (c.status !== 'ready') c.disconnect();
          else
            await c.quit().catch(() => {
              c.disconnect();
            });
        }),
      );
    },
  };
}
