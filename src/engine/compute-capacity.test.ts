import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { waitFor } from '../../test/helpers/wait.ts';
import { createComputeCapacity, type ComputeScale, type NodeLease } from './compute-capacity.ts';
import { createWorkerCapacity } from './pool/capacity.ts';
import { createWorkerLauncher } from './pool/worker-launcher.ts';

const roots: string[] = [];
after(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

const scale = (name: string, min: number, max: number, idleSeconds = 120): ComputeScale => ({
  name,
  minNodeCount: min,
  maxNodeCount: max,
  idleSecondsBeforeScaleDown: idleSeconds,
});

/** The nodes of `computes` over real worker processes, under a server capacity of `maxWorkers`. */
async function setUp(computes: ComputeScale[], maxWorkers = 8) {
  const root = await mkdtemp(join(tmpdir(), 'nightshift-compute-capacity-'));
  roots.push(root);
  const capacity = createWorkerCapacity(maxWorkers);
  const launcher = createWorkerLauncher({ dataDir: root, capacity });
  const nodes = createComputeCapacity({
    launcher,
    computes: () => Promise.resolve(computes),
    logger: pino({ level: 'silent' }),
  });
  return { capacity, launcher, nodes };
}

test('a compute hands its nodes to jobs in arrival order, never more than max_instances at once', async () => {
  const { launcher, nodes } = await setUp([scale('one', 0, 1)]);
  const granted: string[] = [];
  const ask = (label: string, rank: number) =>
    nodes.requestNodes({
      compute: 'ONE',
      rank,
      count: 1,
      size: 1,
      open: (lease: NodeLease) => granted.push(`${label}:${lease.node}`),
    });
  const first = ask('first', 1);
  await waitFor('the first job to get the node', () => granted.length === 1);
  const third = ask('third', 3);
  const second = ask('second', 2);
  // Nothing more is granted while the only node is held (the lookups of both requests have answered).
  await nodes.sync();
  assert.deepEqual(granted, ['first:node-0']);
  first.release();
  assert.deepEqual(granted, ['first:node-0', 'second:node-0']);
  second.release();
  assert.deepEqual(granted, ['first:node-0', 'second:node-0', 'third:node-0']);
  third.release();
  assert.deepEqual(
    nodes.idle().map((n) => [n.compute, n.node]),
    [['one', 'node-0']],
  );
  await nodes.close();
  await launcher.settled();
});

test('a withdrawn request is never granted; an idle node past its idle time goes, min_instances stay', async () => {
  const { launcher, nodes } = await setUp([scale('two', 1, 2, 0)]);
  await nodes.sync();
  assert.deepEqual(
    nodes.idle().map((n) => n.node),
    ['node-0'],
    'min_instances is made at sync',
  );
  const granted: string[] = [];
  const job = nodes.requestNodes({
    compute: 'two',
    rank: 1,
    count: 2,
    size: 1,
    open: (lease) => granted.push(lease.node),
  });
  await waitFor('both nodes', () => granted.length === 2);
  assert.deepEqual(granted.sort(), ['node-0', 'node-1']);
  assert.deepEqual(nodes.idle(), []);
  const late = nodes.requestNodes({
    compute: 'two',
    rank: 2,
    count: 1,
    size: 1,
    open: () => granted.push('late'),
  });
  late.stop();
  job.release();
  // Idle time 0: the compute shrinks to min_instances at once, and keeps that one.
  await waitFor('the compute to shrink to one node', () => nodes.idle().length === 1);
  assert.deepEqual(granted.sort(), ['node-0', 'node-1']);
  await nodes.close();
  await launcher.settled();
});

test('an idle node gives its warm process up to a job that waits for a worker permit', async () => {
  const { capacity, launcher, nodes } = await setUp([scale('warm', 1, 1)], 1);
  await nodes.sync();
  const [idle] = await waitFor('the idle node to be warm', () => nodes.idle(), {
    until: (list) => list[0]?.pids.length === 1,
  });
  assert.equal(idle?.node, 'node-0');
  assert.equal(capacity.inUse(), 1, "the warm process holds the server's only permit");
  const request = capacity.request(1);
  const permit = await request.granted;
  assert.ok(permit, 'the permit came from the warm process');
  assert.deepEqual(nodes.idle()[0]?.pids, [], 'the node stays, without its warm process');
  permit.release();
  await nodes.sync();
  await waitFor('the node to be warm again', () => nodes.idle()[0]?.pids.length === 1);
  await nodes.close();
  await launcher.settled();
  assert.equal(capacity.inUse(), 0);
});
