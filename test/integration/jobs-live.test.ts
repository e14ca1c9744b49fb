/**
 * The job page's live routes over real HTTP: `{ws}/jobs/{job}/events` streams the job's progress as
 * Server-Sent Events until it ends (the last event is the ended job's, then the stream closes), a
 * reconnect with `Last-Event-ID` gets an event only when the job changed meanwhile; `miniBatches` pages the
 * table (50 a page, a bad page is a 400 naming `page`); `progressHistory` gives items and rows over time.
 * Each is a job read at the job's endpoint: a Reader on one endpoint is refused another endpoint's job,
 * and no token is no answer.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authHeader, ownerTokens, servicePrincipalTokens } from '../helpers/auth.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { folderBody, Nightshift, smallFiles, type ErrorBody } from '../helpers/jobs.ts';

const SLOW_SCRIPT = {
  file: 'slow.mjs',
  source: `import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
export async function run(miniBatch) {
  await sleep(150);
  return miniBatch.map((file) => basename(file));
}
`,
};

interface Progress {
  name: string;
  status: string;
  miniBatches: { total: number; succeeded: number; failed: number };
  items: { total: number; succeeded: number; failed: number };
  rows: number;
  workerSeconds: number;
  error: { code: string; message: string } | null;
}

interface SseEvent {
  id: string;
  event: string;
  data: string;
}

/** Reads a whole SSE answer (it ends when the job has), parsed into events; fails after `timeoutMs`. */
async function readStream(response: Response, timeoutMs = 20_000): Promise<SseEvent[]> {
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const text = await Promise.race([
    response.text(),
    new Promise<never>((_, reject) => {
      setTimeout(() => {
        reject(new Error('the stream did not end'));
      }, timeoutMs).unref();
    }),
  ]);
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    const fields = Object.fromEntries(
      block
        .split('\n')
        .filter((l) => /^(id|event|data): /.test(l))
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
    ) as Partial<SseEvent>;
    if (fields.event) events.push({ id: fields.id ?? '', event: fields.event, data: fields.data ?? '' });
  }
  return events;
}

describe('job live routes', () => {
  let server: TestServer;
  let ns: Nightshift;
  const input = 'inputs/live';

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
    await ns.uploadFiles(input, smallFiles(8));
  });
  after(async () => {
    await server.stop();
  });

  const owner = async (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      headers: { ...(await authHeader(ownerTokens(server.url), path)), ...headers },
    });

  test('the stream follows a running job to Completed, then ends; a reconnect resumes', async () => {
    const { scoringUri } = await ns.deploy({ script: SLOW_SCRIPT, settings: { miniBatchSize: 1 } });
    const job = await ns.start(scoringUri, folderBody(input));
    const path = `${ns.ws}/jobs/${job.name}/events`;
    const events = (await readStream(await owner(path))).filter((e) => e.event === 'snapshot');
    const states = events.map((e) => JSON.parse(e.data) as Progress);
    assert.ok(states.length >= 3, `several snapshots while it ran: ${states.length}`);
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'each event has a new version');
    const last = states.at(-1);
    assert.equal(last?.status, 'Completed');
    assert.deepEqual(last.miniBatches.succeeded, 8);
    assert.deepEqual(last.items, { total: 8, succeeded: 8, failed: 0 });
    assert.equal(last.rows, 8);
    assert.ok(last.workerSeconds > 0, 'worker-seconds counted');
    assert.ok(
      states.some((s) => s.miniBatches.succeeded > 0 && s.miniBatches.succeeded < 8),
      'progress seen mid-way',
    );

    // Resuming at the last version: nothing changed, so no event, and the ended job ends the stream.
    const resumed = await readStream(await owner(path, { 'last-event-id': events.at(-1)?.id ?? '' }), 5000);
    assert.deepEqual(resumed, []);
    // Resuming at an older version: the current state, once.
    const behind = await readStream(await owner(path, { 'last-event-id': events[0]?.id ?? '' }), 5000);
    assert.equal(behind.length, 1);
    assert.equal((JSON.parse(behind[0]?.data ?? '{}') as Progress).status, 'Completed');

    const history = await ns.ok<{ value: { itemsSucceeded: number; rows: number | null; time: string }[] }>(
      'GET',
      `${ns.ws}/jobs/${job.name}/progressHistory`,
    );
    assert.ok(history.value.length >= 2, JSON.stringify(history.value));
    assert.equal(history.value.at(-1)?.itemsSucceeded, 8);
    assert.equal(history.value.at(-1)?.rows, 8);
    const times = history.value.map((p) => p.time);
    assert.deepEqual([...times].sort(), times, 'in time order');
  });

  test('mini-batches page by 50 with the error line; a bad page is a 400 naming page', async () => {
    const folder = 'inputs/many';
    await ns.uploadFiles(folder, { ...smallFiles(54), 'zz-bad.txt': 'x\n' });
    const { scoringUri } = await ns.deploy({ script: 'throws-on-bad.ts', settings: { miniBatchSize: 1 } });
    const job = await ns.run(scoringUri, folderBody(folder), {}, 60_000);
    type Page = {
      value: {
        index: number;
        state: string;
        attempts: number;
        worker: string | null;
        error: string | null;
      }[];
      page: number;
      pageCount: number;
      totalCount: number;
      nextLink: string | null;
    };
    const base = `${ns.ws}/jobs/${job.name}/miniBatches`;
    const first = await ns.ok<Page>('GET', base);
    assert.equal(first.page, 1);
    assert.equal(first.totalCount, 55);
    assert.equal(first.pageCount, 2);
    assert.equal(first.value.length, 50);
    assert.equal(first.value[0]?.index, 0);
    assert.ok(first.value[0].worker, 'the worker is named');
    assert.match(first.nextLink ?? '', /[?&]page=2/);
    const second = await ns.ok<Page>('GET', `${base}?page=2`);
    assert.equal(second.value.length, 5);
    assert.equal(second.nextLink, null);
    const failed = second.value.find((b) => b.state === 'failed');
    assert.match(failed?.error ?? '', /cannot score zz-bad\.txt/);
    assert.doesNotMatch(failed?.error ?? '', /\n/, 'the first line only');
    assert.deepEqual((await ns.ok<Page>('GET', `${base}?page=9`)).value, [], 'past the end: empty');

    for (const bad of ['0', '-1', 'two', '1.5', '1e400', '100001']) {
      const reply = await ns.request<ErrorBody>('GET', `${base}?page=${bad}`);
      assert.equal(reply.status, 400, `page=${bad}: ${reply.text}`);
      assert.equal(reply.body.error.details[0]?.target, 'page', reply.text);
      assert.match(reply.body.error.message, /page/);
    }
    const missing = await ns.request<ErrorBody>('GET', `${ns.ws}/jobs/no-such-job/miniBatches`);
    assert.equal(missing.status, 404, missing.text);
  });

  test("a Reader of one endpoint is refused another endpoint's job on every live route", async () => {
    const mine = await ns.deploy({ script: 'strings.ts' });
    const theirs = await ns.deploy({ script: 'strings.ts' });
    const myJob = await ns.run(mine.scoringUri, folderBody(input));
    const theirJob = await ns.run(theirs.scoringUri, folderBody(input));
    const sp = await ns.ok<{ appId: string; password: string }>('POST', '/nightshift/servicePrincipals', {
      json: { displayName: 'live-reader' },
    });
    await ns.ok('POST', '/nightshift/roleAssignments', {
      json: { assignee: sp.appId, role: 'Reader', scope: `${ns.ws}/batchEndpoints/${mine.endpoint}` },
    });
    const reader = ns.as(servicePrincipalTokens(server.url, sp.appId, sp.password));
    for (const route of ['events', 'miniBatches', 'progressHistory']) {
      const allowed = await reader.request('GET', `${ns.ws}/jobs/${myJob.name}/${route}`);
      assert.equal(allowed.status, 200, `${route} of my endpoint's job: ${allowed.text}`);
      const refused = await reader.request<ErrorBody>('GET', `${ns.ws}/jobs/${theirJob.name}/${route}`);
      assert.equal(refused.status, 403, `${route} of another endpoint's job: ${refused.text}`);
      assert.doesNotMatch(refused.text, /event: snapshot/, 'no progress leaks');
      const anonymous = await fetch(`${server.url}${ns.ws}/jobs/${myJob.name}/${route}`);
      assert.equal(anonymous.status, 401, route);
    }
  });
});
