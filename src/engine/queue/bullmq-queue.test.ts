/**
 * What the contract suite cannot show of the BullMQ queue: its names, two processes sharing one Redis
 * (two instances on one prefix, as two machines would be), and the safety net for a process that died
 * between BullMQ's claim and our lease record. Each test has a key prefix of its own, deleted after it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import { RedisConnection, Worker, type Job } from 'bullmq';
import { needs, REDIS, testRedisUrl } from '../../../test/helpers/components.ts';
import { deleteRedisKeys } from '../../../test/helpers/redis.ts';
import { waitFor } from '../../../test/helpers/wait.ts';
import { createBullmqTaskQueue, type BullmqTaskQueue } from './bullmq-queue.ts';
import { bullIdOf, queueKeysOf, queueNameOf, tokenOf } from './bullmq/names.ts';

const task = (job: string, index: number) => ({ id: `${job}-mb-${index}`, job, index });
const indexes = (tasks: { index: number }[]) => tasks.map((t) => t.index);

describe('BullMQ names', () => {
  test('queue names and job ids never hold a colon, and distinct names stay distinct', () => {
    const names = ['a', 'a:b', 'a%3Ab', 'a b', 'é', '', '7', '-7', '007', 'id=7', 'id%3D7'];
    for (const encode of [queueNameOf, bullIdOf]) {
      const encoded = names.map(encode);
      assert.equal(new Set(encoded).size, names.length, encode.name);
      for (const e of encoded) assert.doesNotMatch(e, /:/, `${encode.name}: ${e}`);
    }
  });

  test('a job id is never an integer, which BullMQ refuses for custom ids', () => {
    for (const id of ['7', '-7', '0']) {
      const encoded = bullIdOf(id);
      assert.notEqual(`${parseInt(encoded, 10)}`, encoded, id);
    }
    assert.equal(bullIdOf('job-mb-3'), 'job-mb-3');
  });

  test('a lock token is never "0", which BullMQ reads as no lock', () => {
    assert.notEqual(tokenOf('0'), '0');
  });
});

describe('BullMQ task queue on Redis', await needs(REDIS), () => {
  const url = testRedisUrl();
  let prefix = '';
  const opened: BullmqTaskQueue[] = [];
  const connections: RedisConnection[] = [];
  let clock = 1_000_000;
  const open = () => {
    const queue = createBullmqTaskQueue({ connection: url, prefix, now: () => clock });
    opened.push(queue);
    return queue;
  };

  test.beforeEach(() => {
    prefix = `nightshift-test-${randomUUID()}`;
    clock = 1_000_000;
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((q) => q.close()));
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await deleteRedisKeys(url, prefix);
  });

  test('two processes on one Redis share the tasks, the leases and their ends', async () => {
    const [here, there] = [open(), open()];
    await here.enqueue([task('j', 0), task('j', 1), task('j', 2)]);
    const [mine, theirs] = await Promise.all([here.lease('a', 'j', 2, 1000), there.lease('b', 'j', 2, 1000)]);
    assert.deepEqual([...indexes(mine), ...indexes(theirs)].sort(), [0, 1, 2]);
    const held = mine[0] ?? theirs[0];
    const holder = mine.length > 0 ? 'a' : 'b';
    assert.ok(held);
    clock += 1001;
    assert.equal(await there.reclaimExpired(clock), 3);
    assert.equal(await here.heartbeat(held.id, holder, 1000), false);
    assert.deepEqual(indexes(await there.lease('c', 'j', 5, 1000)), [0, 1, 2]);
    await here.ack(held.id, holder);
    assert.deepEqual(await there.pending('j'), { ready: 0, leased: 3 });
  });

  test('a claim whose process died before it was recorded goes back once its lock runs out', async () => {
    const queue = open();
    await queue.enqueue([task('j', 0), task('j', 1)]);
    // A process that got as far as BullMQ's claim: one with a lock that lasts, one with a short one.
    const connection = new RedisConnection({ url, maxRetriesPerRequest: null });
    connections.push(connection);
    const client = await connection.client;
    const claim = async (lockDuration: number) => {
      const worker = new Worker(queueNameOf('j'), null, {
        connection: client,
        prefix,
        autorun: false,
        lockDuration,
      });
      try {
        const job = (await worker.getNextJob(tokenOf('died'), { block: false })) as Job | undefined;
        assert.ok(job?.id);
        return job.id;
      } finally {
        await worker.close();
      }
    };
    await claim(600_000);
    const shortLived = await claim(100);
    const lock = queueKeysOf(prefix).lock(queueNameOf('j'), shortLived);
    await waitFor('the short claim to lose its lock', () => client.get(lock), { until: (v) => v === null });
    assert.equal(await queue.reclaimExpired(clock), 1);
    assert.deepEqual(indexes(await queue.lease('w', 'j', 5, 1000)), [1]);
    assert.deepEqual(await queue.pending('j'), { ready: 0, leased: 2 });
  });

  test('close ends every connection it opened, used or not', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    // What the tests before closed may still be winding down; from none open, none must stay open.
    await waitFor('no socket open before the test', sockets, { until: (n) => n === 0 });
    const unused = open();
    const used = open();
    await used.enqueue([task('j', 0)]);
    await used.lease('w', 'j', 1, 1000);
    await used.pending('j');
    assert.ok(sockets() > 0, 'the queues opened connections');
    await Promise.all(opened.splice(0).map((q) => q.close()));
    assert.ok(unused);
    await waitFor('every socket the queues opened to close', sockets, { until: (n) => n === 0 });
  });
});
