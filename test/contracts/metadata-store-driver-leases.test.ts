/**
 * The metadata store contract suite, driver leases: of the servers sharing a store, exactly one drives
 * each job at a time, a lapsed lease passes to another, and only its holder renews or releases it. Every
 * implementation in metadata-stores.ts must pass it unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobRecord } from '../../src/core/jobs.ts';
import { describeContract } from './implementations.ts';
import { metadataStores } from './metadata-stores.ts';
import { seedJobRecord } from '../helpers/job-seeds.ts';

const job = (name: string, overrides: Partial<JobRecord> = {}): JobRecord =>
  seedJobRecord(name, { status: 'Running', ...overrides });

await describeContract('MetadataStore driver leases', metadataStores, (context) => {
  const jobs = () => context.current().jobs;

  test('of two servers racing for the driver leases of the same jobs, exactly one drives each', async () => {
    const other = (await context.openAnother()).jobs;
    const names = Array.from({ length: 12 }, (_, i) => `driven-${i}`);
    for (const name of names) await jobs().create(job(name, { status: 'Running' }));
    const claims = await Promise.all(
      names.flatMap((name) => [
        jobs().claimDriver(name, 'server-a', 30_000, 1_000),
        other.claimDriver(name, 'server-b', 30_000, 1_000),
      ]),
    );
    for (const [i, name] of names.entries()) {
      const [a, b] = [claims[2 * i], claims[2 * i + 1]];
      assert.equal([a, b].filter(Boolean).length, 1, `one driver for ${name}`);
      const driver = await other.driverOf(name);
      assert.deepEqual(driver, { owner: a === true ? 'server-a' : 'server-b', expiresAt: 31_000 });
    }
  });

  test('a driver lease that lapsed passes to another server, and not a moment before', async () => {
    await jobs().create(job('lapse', { status: 'Running' }));
    assert.equal(await jobs().driverOf('lapse'), undefined);
    assert.equal(await jobs().claimDriver('lapse', 'server-a', 500, 1_000), true);
    assert.equal(await jobs().claimDriver('lapse', 'server-b', 500, 1_499), false);
    assert.deepEqual(await jobs().driverOf('LAPSE'), { owner: 'server-a', expiresAt: 1_500 });
    assert.equal(await jobs().claimDriver('Lapse', 'server-b', 500, 1_500), true);
    assert.deepEqual(await jobs().driverOf('lapse'), { owner: 'server-b', expiresAt: 2_000 });
    assert.equal(await jobs().claimDriver('lapse', 'server-a', 500, 1_600), false);
    const reopened = (await context.reopen()).jobs;
    assert.deepEqual(await reopened.driverOf('lapse'), { owner: 'server-b', expiresAt: 2_000 });
  });

  test('the holder renews its driver lease, which keeps it past the first expiry', async () => {
    await jobs().create(job('renew', { status: 'Running' }));
    assert.equal(await jobs().claimDriver('renew', 'server-a', 100, 0), true);
    assert.equal(await jobs().claimDriver('renew', 'server-a', 100, 90), true);
    assert.deepEqual(await jobs().driverOf('renew'), { owner: 'server-a', expiresAt: 190 });
    assert.equal(await jobs().claimDriver('renew', 'server-b', 100, 150), false);
    assert.equal((await jobs().driverOf('renew'))?.owner, 'server-a');
  });

  test('a released driver lease is free at once; only its holder can release it', async () => {
    await jobs().create(job('release', { status: 'Running' }));
    assert.equal(await jobs().releaseDriver('release', 'server-a'), false);
    await jobs().claimDriver('release', 'server-a', 60_000, 0);
    assert.equal(await jobs().releaseDriver('release', 'server-b'), false);
    assert.equal((await jobs().driverOf('release'))?.owner, 'server-a');
    assert.equal(await jobs().releaseDriver('RELEASE', 'server-a'), true);
    assert.equal(await jobs().driverOf('release'), undefined);
    assert.equal(await jobs().claimDriver('release', 'server-b', 60_000, 1), true);
    assert.equal((await jobs().driverOf('release'))?.owner, 'server-b');
  });

  test('a job that does not exist has no driver and cannot be claimed', async () => {
    assert.equal(await jobs().claimDriver('ghost', 'server-a', 1_000, 0), false);
    assert.equal(await jobs().driverOf('ghost'), undefined);
    assert.equal(await jobs().releaseDriver('ghost', 'server-a'), false);
  });

  test('a driver lease leaves the job itself unchanged, and updates leave the lease', async () => {
    const created = job('untouched', { status: 'Running' });
    await jobs().create(created);
    await jobs().claimDriver('untouched', 'server-a', 1_000, 0);
    assert.deepEqual(await jobs().get('untouched'), created);
    await jobs().update('untouched', { status: 'Finalizing' }, ['Running']);
    assert.deepEqual(await jobs().driverOf('untouched'), { owner: 'server-a', expiresAt: 1_000 });
  });
});
