/**
 * What a scaled-out bench server runs on, made for it and taken away after: a fresh PostgreSQL database
 * (`ns_bench_<random>`, dropped WITH (FORCE)) and a Redis database number that held no key when the
 * bench took it. Nightshift's BullMQ queue always writes under the `nightshift` prefix, which other
 * servers and tests on the same Redis share (its task index among them), so the bench keeps to a
 * database of its own rather than to key names; at the end it deletes the `nightshift:*` keys of that
 * database, by SCAN + DEL, and never FLUSHDB, which would also take any key someone else wrote there
 * meanwhile. Both come from the test helpers' settings (NIGHTSHIFT_TEST_DATABASE_URL,
 * NIGHTSHIFT_TEST_REDIS_URL), so the bench runs wherever the scale-out tests do.
 */
import { randomUUID } from 'node:crypto';
import { RedisConnection } from 'bullmq';
import { POSTGRES, REDIS, testDatabaseUrl, testRedisUrl } from '../test/helpers/components.ts';
import { adminQuery } from '../test/helpers/scale-out.ts';

export interface ScaleOutBackends {
  database: string;
  queue: string;
  /** Keys the run left under `nightshift:` in the bench's Redis database, before they are deleted. */
  leftoverKeys(): Promise<string[]>;
  /** Drops the database and deletes the bench's keys. */
  remove(): Promise<void>;
}

function withPath(base: string, path: string): string {
  const url = new URL(base);
  url.pathname = path;
  return url.toString();
}

type RedisClient = Awaited<RedisConnection['client']>;

async function withRedis<T>(url: string, work: (client: RedisClient) => Promise<T>): Promise<T> {
  const connection = new RedisConnection({ url, maxRetriesPerRequest: null });
  try {
    return await work(await connection.client);
  } finally {
    await connection.close();
  }
}

/** Keys matching `pattern`; with `firstOnly`, stops at the first batch that finds any. */
async function scanKeys(client: RedisClient, pattern: string, firstOnly = false): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, { MATCH: pattern, COUNT: 500 });
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0' && !(firstOnly && found.length > 0));
  return found;
}

/** The first of Redis databases 1..15 that holds no key now (0 is everyone's default). */
async function emptyRedisDatabase(): Promise<string | undefined> {
  for (let db = 1; db < 16; db++) {
    const url = withPath(testRedisUrl(), `/${String(db)}`);
    if ((await withRedis(url, (client) => scanKeys(client, '*', true))).length === 0) return url;
  }
  return undefined;
}

/** Why the scaled-out half cannot run here, or undefined when PostgreSQL and Redis both answer. */
export async function scaleOutUnavailable(): Promise<string | undefined> {
  for (const component of [POSTGRES, REDIS]) {
    if (!(await component.probe())) return `${component.name} is not available (${component.remedy})`;
  }
  return undefined;
}

export async function createScaleOutBackends(): Promise<ScaleOutBackends> {
  const queue = await emptyRedisDatabase();
  if (queue === undefined) throw new Error('no empty Redis database among 1..15 for the bench');
  const name = `ns_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const own = (client: RedisClient) => scanKeys(client, 'nightshift:*');
  return {
    database: withPath(testDatabaseUrl(), `/${name}`),
    queue,
    leftoverKeys: () => withRedis(queue, own),
    async remove() {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await withRedis(queue, async (client) => {
        const keys = await own(client);
        for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
      });
    },
  };
}
