import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createWorkerCapacity, poolShape, type WorkerPermit } from './capacity.ts';

test('permits up to the cap, then none until one is released', () => {
  const capacity = createWorkerCapacity(2);
  const a = capacity.tryAcquire();
  const b = capacity.tryAcquire();
  assert.ok(a && b);
  assert.equal(capacity.tryAcquire(), undefined);
  a.release();
  a.release();
  assert.equal(capacity.inUse(), 1, 'a second release gives nothing back twice');
  assert.ok(capacity.tryAcquire());
  assert.equal(capacity.peak(), 2);
});

test('waiting requests are served by rank, then in request order', async () => {
  const capacity = createWorkerCapacity(1);
  const first = capacity.tryAcquire();
  const order: string[] = [];
  const wait = (label: string, rank: number) => {
    const request = capacity.request(rank);
    return request.granted.then((permit) => {
      order.push(label);
      return permit;
    });
  };
  const late = wait('job 3', 3);
  const early = wait('job 1', 1);
  const again = wait('job 1 again', 1);
  assert.equal(capacity.waiting(), 3);
  first?.release();
  (await early)?.release();
  (await again)?.release();
  (await late)?.release();
  assert.deepEqual(order, ['job 1', 'job 1 again', 'job 3']);
  assert.equal(capacity.inUse(), 0);
  assert.equal(capacity.peak(), 1);
});

test('a canceled request gets nothing and does not hold up the next one', async () => {
  const capacity = createWorkerCapacity(1);
  const first = capacity.tryAcquire();
  const canceled = capacity.request(1);
  const next = capacity.request(2);
  canceled.cancel();
  assert.equal(await canceled.granted, undefined);
  first?.release();
  const permit: WorkerPermit | undefined = await next.granted;
  assert.ok(permit);
  assert.equal(capacity.inUse(), 1);
  next.cancel();
  assert.equal(capacity.inUse(), 0, 'canceling a granted request releases its permit');
});

test('a cap below 1 is refused', () => {
  assert.throws(() => createWorkerCapacity(0), RangeError);
});

test('a job gets no more pool slots than it has open mini-batches, within the cap', () => {
  const job = { instances: 2, perInstance: 4 };
  assert.deepEqual(poolShape({ ...job, open: 100 }, 16), { instances: 2, size: 4 });
  assert.deepEqual(poolShape({ ...job, open: 100 }, 4), { instances: 2, size: 2 }, 'the cap bounds it');
  assert.deepEqual(poolShape({ ...job, open: 3 }, 16), { instances: 2, size: 2 });
  assert.deepEqual(poolShape({ ...job, open: 1 }, 16), { instances: 1, size: 1 });
  assert.deepEqual(poolShape({ instances: 8, perInstance: 8, open: 100 }, 2), { instances: 2, size: 1 });
  assert.deepEqual(poolShape({ ...job, open: 0 }, 16), { instances: 1, size: 1 }, 'never an empty pool');
});

test('a request that has to wait tells the shortage listeners; one served at once does not', async () => {
  const capacity = createWorkerCapacity(1);
  let shortages = 0;
  capacity.onShortage(() => {
    shortages += 1;
  });
  const held = await capacity.request(1).granted;
  assert.equal(shortages, 0);
  const waiting = capacity.request(2);
  assert.equal(shortages, 1);
  held?.release();
  const next = await waiting.granted;
  assert.ok(next);
  next.release();
});
