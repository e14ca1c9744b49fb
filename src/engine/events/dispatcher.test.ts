import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { secretBoxFromKey } from '../../auth/secrets/secret-box.ts';
import type { JobRecord } from '../../core/jobs.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { startReceiver, type Receiver } from '../../../test/helpers/webhook-receiver.ts';
import { waitFor } from '../../../test/helpers/wait.ts';
import { createDeliveryStore } from './deliveries.ts';
import { createEventDispatcher, type EventDispatcher } from './dispatcher.ts';
import { createEventSubscriptionService } from './subscriptions.ts';

const dir = mkdtempSync(join(tmpdir(), 'ns-dispatch-'));
const store = createSqliteStore(join(dir, 'metadata.db'));
const deliveries = createDeliveryStore(store.resources);
const subscriptions = createEventSubscriptionService({
  repo: store.resources,
  secrets: secretBoxFromKey(randomBytes(32)),
  actor: 'test',
  checkEndpoint: () => Promise.resolve(),
  onRemoved: (name) => deliveries.dropSubscription(name),
});
const receivers: Receiver[] = [];
const dispatchers: EventDispatcher[] = [];

function dispatcher(owner: string, maxInFlight = 16): EventDispatcher {
  const d = createEventDispatcher({
    subscriptions,
    deliveries,
    topic: '/ws',
    post: { policy: { allowHosts: ['127.0.0.1'], allowHttp: true }, own: () => [], timeoutMs: 5_000 },
    schedule: { baseMs: 5, maxDelayMs: 20, maxTtlMs: 60_000 },
    owner,
    pollMs: 10,
    maxInFlight,
    logger: pino({ level: process.env.DBG ? 'debug' : 'silent' }),
  });
  d.start();
  dispatchers.push(d);
  return d;
}

const failedJob = (name: string) =>
  ({
    name,
    endpointName: 'scorer',
    deploymentName: 'blue',
    status: 'Failed',
    tags: {},
    output: { uri: 'azureml://datastores/workspaceblobstore/paths/out.csv' },
    systemData: { createdAt: new Date().toISOString(), createdBy: 'test' },
  }) as unknown as JobRecord;

async function subscribe(name: string, url: string, retryPolicy: Record<string, number> = {}) {
  await subscriptions.put(name, {
    properties: {
      destination: { properties: { endpointUrl: url } },
      filter: { includedEventTypes: ['JobFailed'] },
      retryPolicy,
    },
  });
}

const nothingPending = async () => (await deliveries.list()).length === 0;

after(async () => {
  for (const d of dispatchers) await d.stop();
  for (const r of receivers) await r.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('two servers sharing a store send each event once', async () => {
  const r = await startReceiver();
  receivers.push(r);
  await subscribe('shared', r.url);
  const [a, b] = [dispatcher('server-a'), dispatcher('server-b')];
  for (let i = 0; i < 10; i++) (i % 2 === 0 ? a : b).statusChanged(failedJob(`job-${i}`));
  await waitFor('ten POSTs', () => r.received.length, { until: (n) => n >= 10 });
  await waitFor('every delivery to finish', nothingPending);
  const ids = (r.bodies() as { id: string }[][]).map((e) => e[0]?.id);
  assert.equal(ids.length, 10, 'one POST per event, none doubled');
  assert.equal(new Set(ids).size, 10);
  await subscriptions.remove('shared');
  await b.stop();
});

test('a subscription with 2 attempts dead-letters after the second failure', async () => {
  const r = await startReceiver(() => 500);
  receivers.push(r);
  await subscribe('twice', r.url, { maxDeliveryAttempts: 2 });
  dispatchers[0]?.statusChanged(failedJob('job-dl'));
  await waitFor('the dead letter', () => subscriptions.deadLetters('twice'), { until: (l) => l.length > 0 });
  const [entry] = await subscriptions.deadLetters('twice');
  assert.equal(entry?.deadLetterReason, 'MaxDeliveryAttemptExceeded');
  assert.equal(entry.deliveryAttempts, 2);
  assert.equal(entry.lastHttpStatusCode, 500);
  assert.equal(r.received.length, 2);
  assert.ok(await nothingPending());
  await subscriptions.remove('twice');
  assert.deepEqual(await store.resources.list('eventDeadLetter'), [], 'deleting drops the dead letters');
  await dispatchers[0]?.stop();
});

test("a hanging receiver holds only its own share of the POSTs: another subscription's events still go", async () => {
  const stuck = await startReceiver(() => 'hang');
  const fine = await startReceiver();
  receivers.push(stuck, fine);
  await subscribe('stuck', stuck.url);
  const d = dispatcher('server-c', 4);
  for (let i = 0; i < 4; i++) d.statusChanged(failedJob(`stuck-${i}`));
  await waitFor('the stuck receiver to hold its share', () => stuck.received.length, {
    until: (n) => n >= 2,
  });
  await subscribe('fine', fine.url);
  d.statusChanged(failedJob('after'));
  await waitFor('the other subscription to get its events', () => fine.received.length, {
    until: (n) => n >= 1,
  });
  assert.equal(stuck.received.filter((x) => x.answered).length, 0);
  assert.equal(stuck.received.length, 2, 'the hanging receiver holds 2 of the 4 slots, no more');
});
