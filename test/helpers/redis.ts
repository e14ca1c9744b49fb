/**
 * Redis for tests: each test that writes to Redis works under a key prefix of its own and deletes every
 * key under it afterwards, so tests never see each other's keys and leave none behind on a shared server.
 * The client is BullMQ's own connection class (the project's Redis client comes with bullmq).
 */
import { RedisConnection } from 'bullmq';

/** Deletes every key that starts with `prefix` + ':' on the Redis at `url`; returns how many. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const connection = new RedisConnection({ url, maxRetriesPerRequest: null });
  try {
    const client = await connection.client;
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, { MATCH: `${prefix}:*`, COUNT: 500 });
      if (keys.length > 0) deleted += await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  } finally {
    await connection.close();
  }
}
