/**
 * Webhooks on job events against a real server and real HTTP receivers (node:http on port 0): a job that
 * fails sends one signed RunStatusChanged event whose signature verifies with the secret `event-subscription
 * create` printed once; a receiver that answers 500 a few times is retried with growing waits (the
 * backoff base shortened by configuration) and then gets the same event; a receiver that never succeeds
 * ends in the dead-letter list the CLI shows (the 24 h time to live shortened by configuration); a
 * receiver that hangs does not hold the job up; CloudEvents 1.0; a Reader may look but not create; the
 * secret never comes back and is not stored in the clear; the server refuses to POST to itself or to a
 * metadata address; and a delivery in flight when the server stops is sent again after it restarts.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonOf, runCli } from '../helpers/cli.ts';
import { folderBody, Nightshift, uniqueName } from '../helpers/jobs.ts';
import {
  callAs,
  principalWithRole,
  startAttackServer,
  type AttackServer,
} from '../helpers/security-principals.ts';
import { startServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';
import { startReceiver, verifies, type Receiver } from '../helpers/webhook-receiver.ts';

const BASE_MS = 10;
const RUN_STATUS_CHANGED = 'Microsoft.MachineLearningServices.RunStatusChanged';
const RUN_COMPLETED = 'Microsoft.MachineLearningServices.RunCompleted';

interface GridEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  dataVersion: string;
  metadataVersion: string;
  data: { runId: string; runStatus: string; experimentName: string; experimentId: string; runType: string };
}

describe('webhooks on job events', () => {
  let server: AttackServer;
  let ns: Nightshift;
  const receivers: Receiver[] = [];

  before(async () => {
    server = await startAttackServer('127.0.0.1', {
      // Receivers listen on loopback over http: allowed by the operator's URL policy, as in the README.
      NIGHTSHIFT_ALLOW_URL_HOSTS: '127.0.0.1',
      NIGHTSHIFT_ALLOW_HTTP_URLS: 'true',
      NIGHTSHIFT_WEBHOOK_RETRY_BASE_MS: String(BASE_MS),
      NIGHTSHIFT_WEBHOOK_RETRY_MAX_DELAY_MS: '200',
      NIGHTSHIFT_WEBHOOK_TTL_MS: '3000',
      NIGHTSHIFT_WEBHOOK_POLL_MS: '100',
    });
    ns = await Nightshift.connect(server.url);
  });

  after(async () => {
    await server.stop();
    for (const r of receivers) await r.stop();
  });

  async function receiver(answer?: (n: number) => number | 'hang'): Promise<Receiver> {
    const r = await startReceiver(answer);
    receivers.push(r);
    return r;
  }

  const subPath = (name: string) => `${server.ws}/providers/Microsoft.EventGrid/eventSubscriptions/${name}`;

  async function subscribe(name: string, endpoint: string, properties: Record<string, unknown> = {}) {
    return ns.ok<{ properties: { destination: { properties: { signingSecret?: string } } } }>(
      'PUT',
      subPath(name),
      {
        json: {
          properties: {
            destination: { endpointType: 'WebHook', properties: { endpointUrl: endpoint } },
            ...properties,
          },
        },
      },
    );
  }

  async function inputFolder(): Promise<string> {
    const folder = `inputs/${uniqueName('hook')}`;
    await ns.uploadFiles(folder, { 'a.txt': 'a\n', 'b.txt': 'bb\n' });
    return folder;
  }

  test('a job that fails sends one signed event; its signature verifies with the secret shown once', async () => {
    const r = await receiver();
    const { endpoint, scoringUri } = await ns.deploy({ script: 'init-throws.ts' });
    const name = uniqueName('on-fail');
    const created = jsonOf(
      await runCli(
        [
          'event-subscription',
          'create',
          '--name',
          name,
          '--endpoint',
          r.url,
          '--events',
          'JobFailed',
          '--endpoint-name',
          endpoint,
        ],
        { server: server.url },
      ),
    ) as { signing_secret?: string; events: string[]; endpoint_name: string };
    const secret = created.signing_secret;
    assert.ok(secret && secret.length >= 32, 'create prints the secret it made');
    assert.deepEqual(created.events, ['JobFailed']);
    assert.equal(created.endpoint_name, endpoint);
    const job = await ns.run(scoringUri, folderBody(await inputFolder()));
    assert.equal(job.properties.status, 'Failed');
    await waitFor('the failure event', () => r.received.length, { until: (n) => n >= 1 });
    const [only] = r.received;
    assert.ok(only);
    assert.ok(verifies(secret, only), 'the signature verifies over the raw body');
    assert.equal(verifies('another-secret-of-some-length', only), false);
    assert.match(String(only.headers['content-type']), /^application\/json/);
    assert.equal(only.headers['aeg-event-type'], 'Notification');
    const [event, ...rest] = JSON.parse(only.body) as GridEvent[];
    assert.equal(rest.length, 0, 'Event Grid schema: an array of one event');
    assert.ok(event);
    assert.equal(event.eventType, RUN_STATUS_CHANGED);
    assert.equal(event.topic, server.ws);
    assert.equal(event.data.runId, job.name);
    assert.equal(event.data.runStatus, 'Failed');
    assert.equal(event.data.experimentName, endpoint);
    assert.equal(event.subject, `experiments/${event.data.experimentId}/runs/${job.name}`);
    assert.equal(event.dataVersion, '2');
    assert.equal(event.metadataVersion, '1');
    // JobFailed alone: the job's other status changes sent nothing.
    assert.equal(r.received.length, 1);
    await ns.ok('DELETE', subPath(name));
  });

  test('a receiver answering 500 three times is retried with growing waits, then gets the event', async () => {
    const r = await receiver((n) => (n < 3 ? 500 : 200));
    const { endpoint, scoringUri } = await ns.deploy({ script: 'strings.ts' });
    const name = uniqueName('retry');
    const made = await subscribe(name, r.url, {
      filter: {
        includedEventTypes: ['JobCompleted'],
        advancedFilters: [{ operatorType: 'StringIn', key: 'data.experimentName', values: [endpoint] }],
      },
    });
    const secret = made.properties.destination.properties.signingSecret ?? '';
    const job = await ns.run(scoringUri, folderBody(await inputFolder()));
    assert.equal(job.properties.status, 'Completed');
    await waitFor('four attempts', () => r.received.length, { until: (n) => n >= 4 });
    const events = r.bodies() as GridEvent[][];
    assert.deepEqual(new Set(events.map((e) => e[0]?.id)).size, 1, 'every attempt carries the same event');
    assert.equal(events[0]?.[0]?.eventType, RUN_COMPLETED);
    assert.deepEqual(
      r.received.map((x) => x.headers['aeg-delivery-count']),
      ['0', '1', '2', '3'],
    );
    for (const x of r.received) assert.ok(verifies(secret, x), 'each attempt is signed afresh');
    // Each retry waits at least base * 2^(n-1) after the failure before it (a lower bound, never a ceiling).
    for (let i = 1; i < 4; i++) {
      const gap = (r.received[i]?.at ?? 0) - (r.received[i - 1]?.at ?? 0);
      assert.ok(gap >= BASE_MS * 2 ** (i - 1) - 2, `wait before attempt ${i + 1}: ${gap} ms`);
    }
    const dead = await ns.ok<{ value: unknown[] }>('GET', `${subPath(name)}/deadLetters`);
    assert.deepEqual(dead.value, []);
    await ns.ok('DELETE', subPath(name));
  });

  test('a receiver that never succeeds: the event ends in the dead-letter list the CLI shows', async () => {
    const r = await receiver(() => 503);
    const { endpoint, scoringUri } = await ns.deploy({ script: 'init-throws.ts' });
    const name = uniqueName('dead');
    await subscribe(name, r.url, {
      filter: {
        includedEventTypes: ['JobFailed'],
        advancedFilters: [{ operatorType: 'StringIn', key: 'data.experimentName', values: [endpoint] }],
      },
    });
    const job = await ns.run(scoringUri, folderBody(await inputFolder()));
    assert.equal(job.properties.status, 'Failed');
    const entries = await waitFor(
      'the dead letter',
      async () =>
        jsonOf(
          await runCli(['event-subscription', 'dead-letters', '--name', name], { server: server.url }),
        ) as {
          job: string;
          job_status: string;
          dead_letter_reason: string;
          delivery_attempts: number;
          last_http_status_code: number;
        }[],
      { until: (list) => list.length > 0, intervalMs: 200 },
    );
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.equal(entry?.job, job.name);
    assert.equal(entry.job_status, 'Failed');
    assert.equal(entry.dead_letter_reason, 'TimeToLiveExceeded');
    assert.equal(entry.last_http_status_code, 503);
    assert.equal(entry.delivery_attempts, r.received.length, 'every attempt reached the receiver');
    assert.ok(entry.delivery_attempts > 1, 'it was retried before giving up');
    const table = await runCli(['event-subscription', 'dead-letters', '-o', 'table'], { server: server.url });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`${name}\\s+${job.name}\\s+Failed`));
    await ns.ok('DELETE', subPath(name));
  });

  test('a receiver that hangs does not hold the job: it completes while every delivery is unanswered', async () => {
    const r = await receiver(() => 'hang');
    const { endpoint, scoringUri } = await ns.deploy({ script: 'strings.ts' });
    const name = uniqueName('hang');
    await subscribe(name, r.url, {
      filter: {
        includedEventTypes: ['JobStatusChanged'],
        advancedFilters: [{ operatorType: 'StringIn', key: 'data.experimentName', values: [endpoint] }],
      },
    });
    const job = await ns.run(scoringUri, folderBody(await inputFolder()));
    assert.equal(job.properties.status, 'Completed');
    await waitFor('the Completed event', () => r.bodies() as GridEvent[][], {
      until: (all) => all.some((e) => e[0]?.data.runStatus === 'Completed'),
    });
    const statuses = (r.bodies() as GridEvent[][]).map((e) => e[0]?.data.runStatus);
    assert.ok(statuses.includes('Running'), statuses.join());
    assert.equal(
      r.received.filter((x) => x.answered).length,
      0,
      'the job went through every status while each earlier delivery was still waiting',
    );
    await ns.ok('DELETE', subPath(name));
  });

  test('CloudEvents 1.0: one structured event per POST', async () => {
    const r = await receiver();
    const { endpoint, scoringUri } = await ns.deploy({ script: 'strings.ts' });
    const name = uniqueName('ce');
    const made = await subscribe(name, r.url, {
      eventDeliverySchema: 'CloudEventSchemaV1_0',
      filter: {
        includedEventTypes: ['JobCompleted'],
        advancedFilters: [{ operatorType: 'StringIn', key: 'data.experimentName', values: [endpoint] }],
      },
    });
    const job = await ns.run(scoringUri, folderBody(await inputFolder()));
    await waitFor('the event', () => r.received.length, { until: (n) => n >= 1 });
    const [got] = r.received;
    assert.ok(got);
    assert.match(String(got.headers['content-type']), /^application\/cloudevents\+json/);
    assert.ok(verifies(made.properties.destination.properties.signingSecret ?? '', got));
    const event = JSON.parse(got.body) as Record<string, unknown> & { data: GridEvent['data'] };
    assert.equal(event.specversion, '1.0');
    assert.equal(event.type, RUN_COMPLETED);
    assert.equal(event.source, server.ws);
    assert.equal(typeof event.id, 'string');
    assert.equal(typeof event.time, 'string');
    assert.match(String(event.subject), new RegExp(`/runs/${job.name}$`));
    assert.equal(event.data.runStatus, 'Completed');
    await ns.ok('DELETE', subPath(name));
  });

  test('the secret never leaves the server: not in GET, list or the CLI, not stored in the clear', async () => {
    const r = await receiver();
    const name = uniqueName('secret');
    const secret = `my-own-secret-${Math.random().toString(36).slice(2)}`;
    const made = await ns.ok<Record<string, unknown>>('PUT', subPath(name), {
      json: {
        properties: {
          destination: { properties: { endpointUrl: `${r.url}?code=receiver-key`, signingSecret: secret } },
        },
      },
    });
    assert.ok(!JSON.stringify(made).includes(secret), 'a secret the caller gave is not echoed');
    const shown = await ns.ok('GET', subPath(name));
    const listed = await ns.ok('GET', `${server.ws}/providers/Microsoft.EventGrid/eventSubscriptions`);
    const cli = await runCli(['event-subscription', 'show', '--name', name], { server: server.url });
    for (const text of [JSON.stringify(shown), JSON.stringify(listed), cli.stdout]) {
      assert.ok(!text.includes(secret), text);
      assert.ok(!text.includes('receiver-key'), 'the endpoint query (a receiver key) is not shown either');
    }
    for (const file of ['metadata.db', 'metadata.db-wal']) {
      const path = join(server.dataDir, file);
      if (existsSync(path))
        assert.ok(!readFileSync(path).includes(secret), `${file} holds the secret in the clear`);
    }
    await ns.ok('DELETE', subPath(name));
  });

  test('a Reader may list and show subscriptions but not create, change or delete them', async () => {
    const r = await receiver();
    const name = uniqueName('owned');
    await subscribe(name, r.url);
    const reader = await principalWithRole(server, 'Reader');
    const body = { properties: { destination: { properties: { endpointUrl: r.url } } } };
    assert.equal((await callAs(server, reader, 'PUT', subPath(uniqueName('mine')), body)).status, 403);
    assert.equal((await callAs(server, reader, 'PUT', subPath(name), body)).status, 403);
    assert.equal((await callAs(server, reader, 'DELETE', subPath(name))).status, 403);
    assert.equal((await callAs(server, reader, 'GET', subPath(name))).status, 200);
    await ns.ok('DELETE', subPath(name));
  });

  test('the CLI names the missing or wrong option, and an unknown subscription says how to list them', async () => {
    const cli = (args: string[]) => runCli(['event-subscription', ...args], { server: server.url });
    const noEndpoint = await cli(['create', '--name', 'no-endpoint']);
    assert.notEqual(noEndpoint.code, 0);
    assert.match(noEndpoint.stderr, /--endpoint/);
    const badSchema = await cli([
      'create',
      '--name',
      'bad-schema',
      '--endpoint',
      'https://x.example',
      '--schema',
      'Avro',
    ]);
    assert.notEqual(badSchema.code, 0);
    assert.match(badSchema.stderr, /--schema must be EventGrid or CloudEvents/);
    const badEvent = await cli([
      'create',
      '--name',
      'bad-event',
      '--endpoint',
      'https://x.example',
      '--events',
      'JobExploded',
    ]);
    assert.notEqual(badEvent.code, 0);
    assert.match(badEvent.stderr, /includedEventTypes.*JobStatusChanged, JobCompleted, JobFailed/);
    // A typo in --endpoint-name would mean no event ever arrives: refused, and nothing is created.
    const typo = await cli([
      'create',
      '--name',
      'typo-endpoint',
      '--endpoint',
      'https://x.example',
      '--endpoint-name',
      'no-such-endpoint',
    ]);
    assert.equal(typo.code, 2, typo.stderr);
    assert.match(typo.stderr, /--endpoint-name: batch endpoint 'no-such-endpoint' does not exist/);
    assert.equal((await ns.request('GET', subPath('typo-endpoint'))).status, 404);
    const missing = await cli(['show', '--name', 'nothing-here']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /nightshift event-subscription list/);
  });

  test('the server refuses to POST to itself or to a metadata address', async () => {
    for (const endpointUrl of [
      `${server.url}/healthz`,
      `http://localhost:${server.port}/x`,
      'http://169.254.169.254/metadata/instance',
      'http://metadata.google.internal/',
      'ftp://example.com/hook',
    ]) {
      const reply = await ns.request<{ error: { message: string } }>('PUT', subPath(uniqueName('ssrf')), {
        json: { properties: { destination: { properties: { endpointUrl } } } },
      });
      assert.equal(reply.status, 400, `${endpointUrl}: ${reply.text}`);
      assert.match(reply.body.error.message, /endpointUrl/);
      // The reason speaks of where requests go, not of datastores or of reading.
      assert.doesNotMatch(reply.body.error.message, /linked service|storage|are read/);
    }
  });
});

describe('webhook deliveries across a restart', () => {
  test('a delivery cut off by a stop is sent after the restart, same event', async () => {
    const env = {
      NIGHTSHIFT_ALLOW_URL_HOSTS: '127.0.0.1',
      NIGHTSHIFT_ALLOW_HTTP_URLS: 'true',
      NIGHTSHIFT_WEBHOOK_RETRY_BASE_MS: String(BASE_MS),
    };
    let answer: number | 'hang' = 'hang';
    const r = await startReceiver(() => answer);
    const first = await startServer({ env });
    const dataDir = first.dataDir;
    let second: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      const ns = await Nightshift.connect(first.url);
      const { endpoint, scoringUri } = await ns.deploy({ script: 'init-throws.ts' });
      await ns.ok('PUT', `${first.ws}/providers/Microsoft.EventGrid/eventSubscriptions/survivor`, {
        json: {
          properties: {
            destination: { properties: { endpointUrl: r.url } },
            filter: {
              includedEventTypes: ['JobFailed'],
              advancedFilters: [{ operatorType: 'StringIn', key: 'data.experimentName', values: [endpoint] }],
            },
          },
        },
      });
      const folder = `inputs/${uniqueName('restart')}`;
      await ns.uploadFiles(folder, { 'a.txt': 'a\n' });
      const job = await ns.run(scoringUri, folderBody(folder));
      assert.equal(job.properties.status, 'Failed');
      await waitFor('the first attempt to hang', () => r.received.length, { until: (n) => n >= 1 });
      await first.app.stop();
      answer = 200;
      second = await startServer({ dataDir, env });
      await waitFor('the delivery after the restart', () => r.received.filter((x) => x.answered).length, {
        until: (n) => n >= 1,
      });
      const ids = (r.bodies() as GridEvent[][]).map((e) => e[0]?.id);
      assert.equal(new Set(ids).size, 1, 'the same event, not a new one');
      assert.equal((r.bodies() as GridEvent[][])[0]?.[0]?.data.runId, job.name);
    } finally {
      await second?.stop();
      await first.stop();
      await r.stop();
    }
  });
});
