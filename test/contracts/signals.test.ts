/**
 * The signals contract suite (src/engine/signals/contract.ts): what one process publishes on a topic
 * reaches every subscription of that topic in the other processes of the deployment, and nothing else.
 * Each test's deployment is a Redis key prefix of its own, so tests never hear each other. "Nothing
 * arrives" is checked against a later signal that does arrive on the same connection: Redis delivers in
 * order, so when the later one is there, the earlier one would have been too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import type { Signals } from '../../src/engine/signals/contract.ts';
import { createRedisSignals } from '../../src/engine/signals/redis-signals.ts';
import { needs, REDIS, testRedisUrl } from '../helpers/components.ts';
import { describeContract, type Implementation } from './implementations.ts';

const implementations: Implementation<Signals>[] = [
  {
    name: 'redis',
    requires: () => needs(REDIS),
    open: (dir) =>
      createRedisSignals({
        connection: testRedisUrl(),
        prefix: `ns-test-${basename(dir)}`,
        onError: (error) => {
          throw error;
        },
      }),
  },
];

/** Resolves at the `count`-th call of the returned handler. */
function counter(count = 1) {
  let calls = 0;
  let reached: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (reached = resolve));
  return {
    handler: () => {
      calls += 1;
      if (calls === count) reached();
    },
    done,
    calls: () => calls,
  };
}

await describeContract('signals', implementations, (contract) => {
  test('a signal reaches every subscription of its topic in another process', async () => {
    const here = contract.current();
    const there = await contract.openAnother();
    const first = counter();
    const second = counter();
    await Promise.all([
      there.subscribe('job:a', first.handler).ready,
      there.subscribe('job:a', second.handler).ready,
    ]);
    await here.publish('job:a');
    await Promise.all([first.done, second.done]);
    assert.deepEqual([first.calls(), second.calls()], [1, 1]);
  });

  test('a subscription hears only its topic, and nothing once it is closed', async () => {
    const here = contract.current();
    const there = await contract.openAnother();
    const other = counter();
    const closed = counter();
    const marker = counter();
    await there.subscribe('job:b', other.handler).ready;
    const gone = there.subscribe('job:c', closed.handler);
    await gone.ready;
    gone.close();
    await there.subscribe('marker', marker.handler).ready;
    await here.publish('job:a');
    await here.publish('job:c');
    await here.publish('marker');
    await marker.done;
    assert.equal(other.calls(), 0, 'job:b heard a signal of job:a');
    assert.equal(closed.calls(), 0, 'a closed subscription was called');
  });

  test('closing one of two subscriptions of a topic leaves the other listening', async () => {
    const here = contract.current();
    const there = await contract.openAnother();
    const kept = counter(2);
    await there.subscribe('job:a', kept.handler).ready;
    const dropped = there.subscribe('job:a', () => assert.fail('a closed subscription was called'));
    await dropped.ready;
    await here.publish('job:a');
    dropped.close();
    await here.publish('job:a');
    await kept.done;
  });

  test('two deployments never hear each other', async () => {
    const mine = await contract.openAnother();
    const elsewhere = createRedisSignals({
      connection: testRedisUrl(),
      prefix: 'ns-test-another-deployment',
      onError: (error) => {
        throw error;
      },
    });
    try {
      const heard = counter();
      const marker = counter();
      await mine.subscribe('job:a', heard.handler).ready;
      await mine.subscribe('marker', marker.handler).ready;
      await elsewhere.publish('job:a');
      await contract.current().publish('marker');
      await marker.done;
      assert.equal(heard.calls(), 0);
    } finally {
      await elsewhere.close();
    }
  });
});
