/**
 * The metadata store contract suite, the jobs list: keyset pages that together hold every matching job
 * exactly once, newest first; each filter (endpoint, deployment, statuses, creator, owner, time range) in
 * any case; a cursor that stays put while new jobs arrive; and the per-day counts by status the endpoint
 * chart draws. Every implementation in metadata-stores.ts must pass it unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobRecord } from '../../src/core/jobs.ts';
import type { JobListFilter, MetadataStore } from '../../src/store/contract.ts';
import { plannedJob, seedJobRecord, seedJobs, type SeedPlan } from '../helpers/job-seeds.ts';
import { describeContract } from './implementations.ts';
import { metadataStores } from './metadata-stores.ts';

const NEWEST = new Date('2026-03-10T12:00:00.000Z');
const PLAN: SeedPlan = {
  prefix: 'pg',
  count: 60,
  endpoints: ['alpha', 'beta'],
  deployments: ['blue', 'green', 'red'],
  statuses: ['Completed', 'Failed', 'Running', 'Canceled'],
  creators: ['ann', 'bob'],
  newest: NEWEST,
  stepMs: 6 * 3600_000,
};

/** Every page of a filter, following `next`, and the names on each. */
async function allPages(store: MetadataStore, filter: JobListFilter, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let after: number | undefined;
  for (;;) {
    const page = await store.jobs.page({ ...filter, limit, ...(after === undefined ? {} : { after }) });
    pages.push(page.jobs.map((j) => j.name));
    if (page.next === undefined) return pages;
    after = page.next;
  }
}

/** What a filter should find, newest first, worked out from the plan itself. */
function expected(keep: (job: JobRecord) => boolean): string[] {
  return Array.from({ length: PLAN.count }, (_, i) => plannedJob(PLAN, i))
    .filter(keep)
    .map((j) => j.name)
    .reverse();
}

await describeContract('MetadataStore job pages', metadataStores, (context) => {
  const store = () => context.current();

  test('pages hold every job once, newest first; the last page has no cursor', async () => {
    await seedJobs(store(), PLAN);
    const pages = await allPages(store(), {}, 25);
    assert.deepEqual(
      pages.map((p) => p.length),
      [25, 25, 10],
    );
    assert.deepEqual(
      pages.flat(),
      expected(() => true),
    );
    const exact = await store().jobs.page({ limit: 60 });
    assert.equal(exact.jobs.length, 60);
    assert.equal(exact.next, undefined, 'a page that ends exactly at the last job has no next page');
  });

  test('each filter narrows in any case, and the filters combine', async () => {
    await seedJobs(store(), PLAN);
    const only = async (filter: JobListFilter) => (await allPages(store(), filter, 7)).flat();
    assert.deepEqual(
      await only({ endpoint: 'ALPHA' }),
      expected((j) => j.endpointName === 'alpha'),
    );
    assert.deepEqual(
      await only({ endpoint: 'beta', deployment: 'Green' }),
      expected((j) => j.endpointName === 'beta' && j.deploymentName === 'green'),
    );
    assert.deepEqual(
      await only({ statuses: ['Failed', 'Canceled'] }),
      expected((j) => j.status === 'Failed' || j.status === 'Canceled'),
    );
    assert.deepEqual(
      await only({ creator: 'BOB' }),
      expected((j) => j.systemData.createdBy === 'bob'),
    );
    const since = '2026-03-01T00:00:00.000Z';
    const until = '2026-03-05T00:00:00.000Z';
    assert.deepEqual(
      await only({ since, until }),
      expected((j) => j.systemData.createdAt >= since && j.systemData.createdAt < until),
    );
    assert.deepEqual(await only({ endpoint: 'nowhere' }), []);
    assert.deepEqual(
      await only({ model: 'M', modelVersion: '1', creator: 'ann' }),
      expected((j) => j.systemData.createdBy === 'ann'),
    );
    assert.deepEqual(await only({ model: 'm', modelVersion: '2' }), []);
    assert.deepEqual(await only({ model: 'other' }), []);
    assert.deepEqual(await only({ creator: "x' OR '1'='1" }), [], 'a value is data, never SQL');
  });

  test('owner matches the object id when the job has one, else the name', async () => {
    await store().jobs.create(
      seedJobRecord('by-id', {
        systemData: { ...seedJobRecord('x').systemData, createdBy: 'shared-name', createdById: 'OID-1' },
      }),
    );
    await store().jobs.create(
      seedJobRecord('by-name', { systemData: { ...seedJobRecord('x').systemData, createdBy: 'Carol' } }),
    );
    await store().jobs.create(
      seedJobRecord('other-id', {
        systemData: { ...seedJobRecord('x').systemData, createdBy: 'carol', createdById: 'oid-2' },
      }),
    );
    const names = async (owner: { objectId: string; name: string }) =>
      (await store().jobs.page({ owner, limit: 10 })).jobs.map((j) => j.name);
    assert.deepEqual(await names({ objectId: 'oid-1', name: 'someone' }), ['by-id']);
    assert.deepEqual(await names({ objectId: 'oid-9', name: 'CAROL' }), ['by-name']);
  });

  test('a cursor stays put while newer jobs are created', async () => {
    await seedJobs(store(), { ...PLAN, count: 10 });
    const first = await store().jobs.page({ limit: 4 });
    await seedJobs(store(), { ...PLAN, prefix: 'late', count: 3, newest: new Date() });
    const second = await store().jobs.page({
      limit: 4,
      ...(first.next === undefined ? {} : { after: first.next }),
    });
    assert.deepEqual(
      second.jobs.map((j) => j.name),
      ['pg-00005', 'pg-00004', 'pg-00003', 'pg-00002'],
    );
  });

  test('dailyCounts gives per UTC day and status how many of the endpoint jobs were created', async () => {
    await seedJobs(store(), PLAN);
    const since = '2026-03-08T00:00:00.000Z';
    const counts = await store().jobs.dailyCounts({ endpoint: 'Alpha', since });
    const tally = new Map<string, number>();
    for (const job of Array.from({ length: PLAN.count }, (_, i) => plannedJob(PLAN, i))) {
      if (job.endpointName !== 'alpha' || job.systemData.createdAt < since) continue;
      const key = `${job.systemData.createdAt.slice(0, 10)} ${job.status}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    assert.deepEqual(
      counts.map((c) => [`${c.day} ${c.status}`, c.count]),
      [...tally.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    assert.deepEqual(await store().jobs.dailyCounts({ endpoint: 'alpha', since, creator: 'nobody' }), []);
  });
});
