/**
 * Seats on a job (src/worker/job-seats.ts) on both metadata stores: workers that look at once never hold
 * more slots than the cap, a worker keeps the slot it has, a released slot is free again, and a dead
 * holder's slot is taken over only once its lease has passed. On PostgreSQL the workers use separate
 * connections, as workers on separate machines do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetadataStore } from '../../src/store/contract.ts';
import { createJobSeats } from '../../src/worker/job-seats.ts';
import { describeContract } from '../contracts/implementations.ts';
import { metadataStores } from '../contracts/metadata-stores.ts';

const LEASE_MS = 10_000;

await describeContract('job seats', metadataStores, (context) => {
  const seatsOf = (store: MetadataStore, owner: string, now?: () => number) =>
    createJobSeats({ repo: store.resources, owner, leaseMs: LEASE_MS, ...(now ? { now } : {}) });

  test('twelve workers asking at once for two slots: exactly two get one', async () => {
    const stores = [context.current(), await context.openAnother(), await context.openAnother()];
    const workers = Array.from({ length: 12 }, (_, i) =>
      seatsOf(stores[i % stores.length] ?? context.current(), `w${i}`),
    );
    const granted = await Promise.all(workers.map((w) => w.take('Job-A', 2)));
    assert.equal(granted.filter(Boolean).length, 2);
    const winner = workers[granted.indexOf(true)];
    assert.ok(winner);
    assert.equal(await winner.take('job-a', 2), true, 'a worker keeps the seat it holds');
    const loser = workers[granted.indexOf(false)];
    assert.ok(loser);
    assert.equal(await loser.take('job-a', 2), false, 'the holders are within their lease');
    await winner.release('job-a');
    assert.equal(await loser.take('job-a', 2), true, 'a released slot is free again');
  });

  test("a dead holder's slot is taken over once a lease has passed, not before", async () => {
    let clock = 1_000_000;
    const now = () => clock;
    const store = context.current();
    const dead = seatsOf(store, 'dead', now);
    const alive = seatsOf(store, 'alive', now);
    assert.equal(await dead.take('job-b', 1), true);
    assert.equal(await alive.take('job-b', 1), false);
    clock += LEASE_MS + 1;
    assert.equal(await alive.take('job-b', 1), true, 'no heartbeat from the holder for a lease');
    assert.equal(await dead.take('job-b', 1), false, 'the old holder lost it');
  });

  test('a holder that heartbeats keeps its slot past the lease', async () => {
    let clock = 2_000_000;
    const now = () => clock;
    const store = context.current();
    const holder = seatsOf(store, 'holder', now);
    const other = seatsOf(store, 'other', now);
    assert.equal(await holder.take('job-c', 1), true);
    clock += LEASE_MS * 3;
    await store.resources.insert(
      'serverNodes',
      { name: 'holder' },
      { owner: 'holder', publishedAt: clock, nodes: [] },
    );
    assert.equal(await other.take('job-c', 1), false);
  });
});
