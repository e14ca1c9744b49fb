/**
 * The metadata store and the task queue a server runs on, chosen by its configuration: embedded, one
 * SQLite file in the data dir holding both; scaled out, PostgreSQL and BullMQ on Redis, shared with the
 * other servers (and, later, workers) of the deployment. Both are reached at start, so a wrong URL or a
 * server that is down stops `serve` at once with the cause, never at the first request; the message
 * names the setting and never repeats a password.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { queuePrefixOf, redactUrl, type ScaleOutConfig } from './config-scale-out.ts';
import { StartupError } from './core/errors.ts';
import { createBullmqTaskQueue } from './engine/queue/bullmq-queue.ts';
import type { TaskQueue } from './engine/queue/contract.ts';
import type { Signals } from './engine/signals/contract.ts';
import { createRedisSignals } from './engine/signals/redis-signals.ts';
import { createSqliteTaskQueue } from './engine/queue/sqlite-queue.ts';
import type { MetadataStore } from './store/contract.ts';
import { createPostgresStore } from './store/postgres/postgres-store.ts';
import { createSqliteStore } from './store/sqlite/sqlite-store.ts';

export interface Backends {
  store: MetadataStore;
  queue: TaskQueue;
  /** Whether other servers share them (scaled out): jobs then go by driver leases. */
  shared: boolean;
  /** Scaled out: signals between servers and workers, on the queue's Redis (waits shorter than polls). */
  signals?: Signals;
  close(): Promise<void>;
}

/** What a failed connection says, without the stack or anything that could hold a secret. */
function causeOf(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : String(error);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

async function openScaledOut(
  scaleOut: ScaleOutConfig,
  leaseMs: number | undefined,
  logger: Logger,
): Promise<Backends> {
  let store: MetadataStore;
  try {
    store = await createPostgresStore({ url: scaleOut.database });
  } catch (error) {
    throw new StartupError(
      `Cannot open the PostgreSQL database ${redactUrl(scaleOut.database)} (--database): ${causeOf(error)}.`,
    );
  }
  const queue = createBullmqTaskQueue({
    ...queuePrefixOf(scaleOut.queue),
    // A task a killed process had claimed but not yet leased waits this long to be delivered again: one
    // lease period, as a killed holder's lease does, rather than a fixed minute (seen stalling takeovers).
    lockGraceMs: leaseMs,
    onError: (error) => {
      logger.warn({ err: { message: error.message } }, 'the Redis connection of the task queue failed');
    },
  });
  try {
    // One round trip now, so a Redis that is down or refuses us stops the start; it leaves no key. The
    // name is this process's own: BullMQ refuses to obliterate a queue another start is obliterating.
    await queue.removeJob(`nightshift-start-check-${randomUUID()}`);
  } catch (error) {
    await queue.close().catch(() => undefined);
    await store.close();
    throw new StartupError(
      `Cannot reach Redis at ${redactUrl(scaleOut.queue)} (--queue): ${causeOf(error)}.`,
    );
  }
  const signals = createRedisSignals({
    ...queuePrefixOf(scaleOut.queue),
    onError: (error) => {
      logger.warn({ err: { message: error.message } }, 'the Redis connection of the signals failed');
    },
  });
  return {
    store,
    queue,
    shared: true,
    signals,
    async close() {
      await signals.close();
      await queue.close();
      await store.close();
    },
  };
}

/** `scaleOut` from the configuration, or undefined for the embedded store in `dataDir`. */
export async function openBackends(
  where: { dataDir: string; scaleOut?: ScaleOutConfig | undefined; leaseMs?: number },
  logger: Logger,
): Promise<Backends> {
  if (where.scaleOut) return openScaledOut(where.scaleOut, where.leaseMs, logger);
  const store = createSqliteStore(join(where.dataDir, 'metadata.db'));
  return { store, queue: createSqliteTaskQueue(store.db), shared: false, close: () => store.close() };
}
