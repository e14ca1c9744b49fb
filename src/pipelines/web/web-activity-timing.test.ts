/**
 * The WebActivity behaviours that depend on time or size (spec §2.7.1): 202 + Location polling and
 * `turnOffAsync`, `httpRequestTimeout` on a manual clock, cancellation, and the 4 MB response limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ActivityFailure } from '../runner/activity-failure.ts';
import { MAX_RESPONSE_BYTES } from './http-exchange.ts';
import {
  startLocalServer,
  sendJson,
  type LocalServer,
} from '../../../test/support/pipelines/web/local-http-server.ts';
import { testDeps } from '../../../test/support/pipelines/web/web-deps.ts';
import { runWebActivity } from './web-activity.ts';

let server: LocalServer;
const polls = new Map<string, number>();

function countPoll(operation: string): number {
  const count = (polls.get(operation) ?? 0) + 1;
  polls.set(operation, count);
  return count;
}

before(async () => {
  server = await startLocalServer((request, response) => {
    const [path = ''] = request.path.split('?');
    if (path === '/start') {
      response.writeHead(202, { Location: '/operations/op1', 'Retry-After': '5' });
      response.end();
    } else if (path === '/operations/op1') {
      if (countPoll('op1') < 2) {
        response.writeHead(202, { 'Retry-After': '5' });
        response.end();
      } else sendJson(response, 200, { status: 'Succeeded', result: 42 });
    } else if (path === '/start-failing') {
      response.writeHead(202, { Location: `${server.url}/operations/bad` });
      response.end();
    } else if (path === '/operations/bad') {
      sendJson(response, 500, { error: 'boom' });
    } else if (path === '/accepted-no-location') {
      sendJson(response, 202, { queued: true });
    } else if (path === '/hang') {
      // Never answers: the activity's deadline or cancellation must end the call.
    } else if (path === '/big') {
      const size = Number(new URLSearchParams(request.path.split('?')[1]).get('bytes'));
      const declare = request.path.includes('declare=1');
      response.writeHead(200, declare ? { 'Content-Length': String(size) } : {});
      const chunk = Buffer.alloc(64 * 1024, 'a');
      for (let sent = 0; sent < size; sent += chunk.length)
        response.write(chunk.subarray(0, Math.min(chunk.length, size - sent)));
      response.end();
    } else {
      response.writeHead(404);
      response.end();
    }
  });
});

after(async () => {
  await server.close();
});

async function failureOf(promise: Promise<unknown>): Promise<ActivityFailure> {
  const error: unknown = await promise.then(
    () => assert.fail('the activity succeeded'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ActivityFailure, `expected ActivityFailure, got ${String(error)}`);
  return error;
}

describe('202 + Location', () => {
  test('is polled with GET, waiting Retry-After on the clock, until a final response', async () => {
    let calls = 0;
    let inFlight = 0;
    const aroundHttpCall = async <T>(call: () => Promise<T>): Promise<T> => {
      calls += 1;
      inFlight += 1;
      try {
        return await call();
      } finally {
        inFlight -= 1;
      }
    };
    const deps = testDeps({ aroundHttpCall });
    const start = deps.clock.now().getTime();
    const before = server.requests.length;
    const headers = { 'Content-Type': 'application/json', 'x-api': 'k' };
    const run = runWebActivity({ method: 'POST', url: `${server.url}/start`, headers, body: { a: 1 } }, deps);
    await deps.clock.sleepingDuring(5000, run);
    assert.equal(inFlight, 0, 'no call is in flight during the polling wait');
    deps.clock.advance(5000);
    await deps.clock.sleepingDuring(5000, run);
    deps.clock.advance(5000);
    const { output } = await run;
    assert.equal(calls, 3);
    assert.equal(output.status, 'Succeeded');
    assert.equal(output.result, 42);
    assert.equal(output.ADFHttpStatusCodeInResponse, '200');
    assert.equal(output.executionDuration, 10);
    assert.equal(deps.clock.now().getTime() - start, 10_000);
    const sent = server.requests.slice(before);
    assert.deepEqual(
      sent.map((r) => `${r.method} ${r.path}`),
      ['POST /start', 'GET /operations/op1', 'GET /operations/op1'],
    );
    const poll = sent[1];
    assert.ok(poll);
    assert.equal(poll.body, '');
    assert.equal(poll.headers['x-api'], 'k');
    assert.equal(poll.headers['content-type'], undefined);
  });

  test('turnOffAsync returns the 202 at once', async () => {
    const deps = testDeps();
    const props = { method: 'POST', url: `${server.url}/start`, body: '{}', turnOffAsync: true };
    const { output } = await runWebActivity(props, deps);
    assert.equal(output.ADFHttpStatusCodeInResponse, '202');
    assert.equal(
      (output.ADFWebActivityResponseHeaders as Record<string, string>).Location,
      '/operations/op1',
    );
    assert.equal(output.Response, '');
    assert.deepEqual(deps.clock.pendingSleeps(), []);
  });

  test('a 202 without Location is the final response', async () => {
    const { output } = await runWebActivity(
      { method: 'GET', url: `${server.url}/accepted-no-location` },
      testDeps(),
    );
    assert.equal(output.ADFHttpStatusCodeInResponse, '202');
    assert.equal(output.queued, true);
  });

  test('a failing poll fails the activity with the polled URL and the default interval', async () => {
    const deps = testDeps({ asyncPollIntervalMs: 30_000 });
    const run = runWebActivity({ method: 'GET', url: `${server.url}/start-failing` }, deps);
    await deps.clock.sleepingDuring(30_000, run);
    deps.clock.advance(30_000);
    const failure = await failureOf(run);
    assert.equal(failure.errorCode, '2108');
    assert.match(
      failure.message,
      new RegExp(`endpoint '${server.url}/operations/bad'. Response status code: '500'`),
    );
    assert.deepEqual((failure.output as Record<string, unknown>).error, 'boom');
  });
});

describe('httpRequestTimeout', () => {
  test('defaults to one minute of clock time', async () => {
    const deps = testDeps();
    const before = server.requests.length;
    const run = runWebActivity({ method: 'GET', url: `${server.url}/hang` }, deps);
    await server.received(before + 1, run);
    await deps.clock.sleepingDuring(60_000, run);
    deps.clock.advance(60_000);
    const failure = await failureOf(run);
    assert.equal(failure.errorCode, '2108');
    assert.match(failure.message, /'NA - Unknown'.*timed out after 00:01:00 \(httpRequestTimeout\)/);
  });

  test('takes the configured timespan', async () => {
    const deps = testDeps();
    const before = server.requests.length;
    const run = runWebActivity(
      { method: 'GET', url: `${server.url}/hang`, httpRequestTimeout: '00:05:30' },
      deps,
    );
    await server.received(before + 1, run);
    await deps.clock.sleepingDuring(330_000, run);
    deps.clock.advance(329_999);
    assert.deepEqual(deps.clock.pendingSleeps(), [330_000]);
    deps.clock.advance(1);
    assert.match((await failureOf(run)).message, /timed out after 00:05:30/);
  });

  test('above ten minutes is refused', async () => {
    const props = { method: 'GET', url: `${server.url}/hang`, httpRequestTimeout: '00:10:01' };
    const failure = await failureOf(runWebActivity(props, testDeps()));
    assert.equal(failure.errorCode, '2105');
  });
});

describe('cancellation', () => {
  test('rejects with the signal reason, not an ActivityFailure', async () => {
    const controller = new AbortController();
    const before = server.requests.length;
    const run = runWebActivity(
      { method: 'GET', url: `${server.url}/hang` },
      testDeps({ signal: controller.signal }),
    );
    await server.received(before + 1, run);
    const reason = new Error('pipeline cancelled');
    controller.abort(reason);
    await assert.rejects(run, (error) => error === reason);
  });

  test('stops a 202 polling wait', async () => {
    const controller = new AbortController();
    const deps = testDeps({ signal: controller.signal });
    const run = runWebActivity({ method: 'POST', url: `${server.url}/start`, body: '' }, deps);
    await deps.clock.sleepingDuring(5000, run);
    const reason = new Error('activity timeout');
    controller.abort(reason);
    await assert.rejects(run, (error) => error === reason);
    assert.deepEqual(deps.clock.pendingSleeps(), []);
  });
});

describe('4 MB response limit', () => {
  test('a body of exactly 4 MiB is accepted', async () => {
    const url = `${server.url}/big?bytes=${MAX_RESPONSE_BYTES}`;
    const { output } = await runWebActivity({ method: 'GET', url }, testDeps());
    assert.equal((output.Response as string).length, MAX_RESPONSE_BYTES);
  });

  test('a streamed body one byte over fails with 2001', async () => {
    const url = `${server.url}/big?bytes=${MAX_RESPONSE_BYTES + 1}`;
    const failure = await failureOf(runWebActivity({ method: 'GET', url }, testDeps()));
    assert.equal(failure.errorCode, '2001');
    assert.equal(failure.message, 'The length of execution output is over limit (around 4MB currently).');
  });

  test('a declared Content-Length over the limit fails without reading the body', async () => {
    const url = `${server.url}/big?bytes=${MAX_RESPONSE_BYTES + 10}&declare=1`;
    assert.equal((await failureOf(runWebActivity({ method: 'GET', url }, testDeps()))).errorCode, '2001');
  });
});
