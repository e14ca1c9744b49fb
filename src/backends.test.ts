/**
 * What the scaled-out backends take from the configuration that the queue's own tests cannot see: the key
 * prefix from the queue URL, and the lease period as the life of a claim nobody recorded.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { Redis } from 'ioredis';
import { needs, POSTGRES, REDIS, testRedisUrl } from '../test/helpers/components.ts';
import { ownQueue } from '../test/helpers/redis.ts';
import { createTestDatabase } from '../test/helpers/scale-out.ts';
import { openBackends } from './backends.ts';
import { bullIdOf, queueKeysOf, queueNameOf } from './engine/queue/bullmq/names.ts';

describe('scaled-out backends', await needs(POSTGRES, REDIS), () => {
  const root = mkdtempSync(join(tmpdir(), 'nightshift-backends-'));
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  test("the queue works under the URL's prefix, and a claim's lock lives one lease period, not a minute", async () => {
    const database = await createTestDatabase();
    const queue = ownQueue();
    const client = new Redis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
    const backends = await openBackends(
      { dataDir: root, scaleOut: { database: database.url, queue: queue.url }, leaseMs: 2000 },
      pino({ level: 'silent' }),
    );
    try {
      await backends.queue.enqueue([{ id: 'j-mb-0', job: 'j', index: 0 }]);
      const [leased] = await backends.queue.lease('w', 'j', 1, 2000);
      assert.equal(leased?.id, 'j-mb-0');
      const lock = queueKeysOf(queue.prefix).lock(queueNameOf('j'), bullIdOf('j-mb-0'));
      const ttl = await client.pttl(lock);
      // A lease's lock lives lease + grace; the grace is now the lease (2 s), not the former 60 s.
      assert.ok(ttl > 0 && ttl <= 4000, `lock TTL ${String(ttl)} ms`);
    } finally {
      await backends.close();
      client.disconnect();
      await database.drop();
      assert.ok((await queue.clear()) > 0, 'the keys were under the prefix');
    }
  });
});
