/**
 * WebActivity over the wire (spec §2.7.1, §7.4 checklist): a real local HTTP server answers, and the tests
 * check both what the activity sent and the output or failure it produced.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ActivityFailure } from '../runner/activity-failure.ts';
import {
  startLocalServer,
  sendJson,
  type LocalServer,
} from '../../../test/support/pipelines/web/local-http-server.ts';
import { testDeps } from '../../../test/support/pipelines/web/web-deps.ts';
import { runWebActivity } from './web-activity.ts';

let server: LocalServer;

before(async () => {
  server = await startLocalServer((request, response) => {
    const path = request.path;
    if (path === '/job') {
      sendJson(
        response,
        200,
        { id: '/jobs/batchjob-1', name: 'batchjob-1', properties: { status: 'Running' } },
        {
          'x-ms-request-id': 'req-1',
          'Operation-Location': 'http://example.test/ops/1',
        },
      );
    } else if (path === '/text') {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end('plain words');
    } else if (path === '/empty') {
      response.writeHead(204);
      response.end();
    } else if (path === '/array') {
      sendJson(response, 200, [1, 2, 3]);
    } else if (path === '/clash') {
      sendJson(response, 200, { Response: 'from body', ADFHttpStatusCodeInResponse: 'body', kept: true });
    } else if (path === '/conflict') {
      sendJson(response, 409, { error: { code: 'UserError', message: 'The path already exists' } });
    } else if (path === '/echo') {
      sendJson(response, 200, { ok: true });
    } else {
      response.writeHead(404);
      response.end('no such route');
    }
  });
});

after(async () => {
  await server.close();
});

async function rejection(promise: Promise<unknown>): Promise<ActivityFailure> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ActivityFailure, `expected ActivityFailure, got ${String(error)}`);
    return error;
  }
  assert.fail('the activity succeeded');
}

describe('output', () => {
  test('a JSON object body is merged at the top level, with headers, status and bookkeeping', async () => {
    const { output } = await runWebActivity({ method: 'GET', url: `${server.url}/job` }, testDeps());
    assert.equal(output.name, 'batchjob-1');
    assert.deepEqual(output.properties, { status: 'Running' });
    const headers = output.ADFWebActivityResponseHeaders as Record<string, string>;
    assert.equal(headers['Content-Type'], 'application/json; charset=utf-8');
    assert.equal(headers['x-ms-request-id'], 'req-1');
    assert.equal(headers['Operation-Location'], 'http://example.test/ops/1');
    assert.equal(output.ADFHttpStatusCodeInResponse, '200');
    assert.equal(output.effectiveIntegrationRuntime, 'AutoResolveIntegrationRuntime (Local)');
    assert.equal(output.executionDuration, 0);
    assert.deepEqual(output.durationInQueue, { integrationRuntimeQueue: 0 });
    assert.deepEqual(output.billingReference, {
      activityType: 'ExternalActivity',
      billableDuration: [{ meterType: 'AzureIR', duration: 0.016666666666666666, unit: 'Hours' }],
    });
    assert.equal('Response' in output, false);
  });

  test('a text body goes to Response as raw text', async () => {
    const { output } = await runWebActivity({ method: 'GET', url: `${server.url}/text` }, testDeps());
    assert.equal(output.Response, 'plain words');
  });

  test('an empty body gives Response ""', async () => {
    const { output } = await runWebActivity({ method: 'get', url: `${server.url}/empty` }, testDeps());
    assert.equal(output.Response, '');
    assert.equal(output.ADFHttpStatusCodeInResponse, '204');
  });

  test('a JSON array body goes to Response as raw text', async () => {
    const { output } = await runWebActivity({ method: 'GET', url: `${server.url}/array` }, testDeps());
    assert.equal(output.Response, '[1,2,3]');
  });

  test("the service's keys win over body keys of the same name", async () => {
    const { output } = await runWebActivity({ method: 'GET', url: `${server.url}/clash` }, testDeps());
    assert.equal(output.Response, 'from body');
    assert.equal(output.ADFHttpStatusCodeInResponse, '200');
    assert.equal(output.kept, true);
  });

  test('connectVia names the integration runtime', async () => {
    const props = {
      method: 'GET',
      url: `${server.url}/echo`,
      connectVia: { referenceName: 'MyIR', type: 'IntegrationRuntimeReference' },
    };
    const { output } = await runWebActivity(props, testDeps({ region: 'West Europe' }));
    assert.equal(output.effectiveIntegrationRuntime, 'MyIR (West Europe)');
  });
});

describe('failures', () => {
  test('a non-2xx response fails with 2108 and keeps the response as output', async () => {
    const url = `${server.url}/conflict`;
    const failure = await rejection(runWebActivity({ method: 'GET', url }, testDeps()));
    assert.equal(failure.errorCode, '2108');
    assert.equal(failure.failureType, 'UserError');
    assert.match(
      failure.message,
      new RegExp(`^Error calling the endpoint '${url}'\\. Response status code: '409'\\.`),
    );
    assert.match(failure.message, /The path already exists/);
    assert.equal(failure.details, '{"error":{"code":"UserError","message":"The path already exists"}}');
    const output = failure.output as Record<string, unknown>;
    assert.deepEqual(output.error, { code: 'UserError', message: 'The path already exists' });
    assert.equal(output.ADFHttpStatusCodeInResponse, '409');
  });

  test('a refused connection fails with 2108 and status NA - Unknown', async () => {
    const closed = await startLocalServer(() => undefined);
    await closed.close();
    const failure = await rejection(runWebActivity({ method: 'GET', url: `${closed.url}/x` }, testDeps()));
    assert.equal(failure.errorCode, '2108');
    assert.match(
      failure.message,
      /Response status code: 'NA - Unknown'\. More details: Exception message: '.*ECONNREFUSED/,
    );
    assert.equal(failure.output, undefined);
  });

  test('an invalid URL fails with 2108 before any call', async () => {
    const failure = await rejection(
      runWebActivity({ method: 'GET', url: 'ftp://example.test/x' }, testDeps()),
    );
    assert.equal(failure.errorCode, '2108');
    assert.match(failure.message, /Invalid Url: ftp:\/\/example\.test\/x/);
  });

  test('a missing url or body, or an unknown method, fails with the property error codes', async () => {
    const deps = testDeps();
    assert.equal((await rejection(runWebActivity({ method: 'GET' }, deps))).errorCode, '2103');
    const noBody = await rejection(runWebActivity({ method: 'POST', url: `${server.url}/echo` }, deps));
    assert.equal(noBody.message, "Please provide value for the required property 'body'.");
    const badMethod = await rejection(runWebActivity({ method: 'HEAD', url: `${server.url}/echo` }, deps));
    assert.equal(badMethod.errorCode, '2105');
    assert.equal(server.requests.filter((r) => r.path === '/echo' && r.method !== 'GET').length, 0);
  });
});

describe('request', () => {
  test('a body on GET is not sent', async () => {
    const before = server.requests.length;
    await runWebActivity({ method: 'GET', url: `${server.url}/echo`, body: { ignored: true } }, testDeps());
    const sent = await server.received(before + 1);
    assert.equal(sent.method, 'GET');
    assert.equal(sent.body, '');
    assert.equal(sent.headers['content-type'], undefined);
  });

  test('a string body is sent verbatim, even when it is not JSON, as application/json by default', async () => {
    const before = server.requests.length;
    const body = '{"a": @{not json}, \n"b": ';
    await runWebActivity({ method: 'POST', url: `${server.url}/echo`, body }, testDeps());
    const sent = await server.received(before + 1);
    assert.equal(sent.method, 'POST');
    assert.equal(sent.body, body);
    assert.equal(sent.headers['content-type'], 'application/json');
  });

  test('an object body is JSON-serialized; a given Content-Type is kept', async () => {
    const before = server.requests.length;
    const body = { properties: { InputData: { input: { Uri: 'azureml://x' } } }, list: [1, true, null] };
    const headers = { 'content-type': 'application/vnd.custom+json' };
    await runWebActivity({ method: 'put', url: `${server.url}/echo`, headers, body }, testDeps());
    const sent = await server.received(before + 1);
    assert.equal(sent.method, 'PUT');
    assert.equal(sent.body, JSON.stringify(body));
    assert.equal(sent.headers['content-type'], 'application/vnd.custom+json');
  });

  test('header values from expressions are sent; non-strings as JSON; null ones are left out', async () => {
    const before = server.requests.length;
    const headers = {
      Authorization: 'Bearer token-from-authorize',
      'x-count': 3,
      'x-flag': true,
      'x-missing': null,
      'azureml-model-deployment': 'blue',
    };
    await runWebActivity({ method: 'GET', url: `${server.url}/echo`, headers }, testDeps());
    const sent = await server.received(before + 1);
    assert.equal(sent.headers.authorization, 'Bearer token-from-authorize');
    assert.equal(sent.headers['x-count'], '3');
    assert.equal(sent.headers['x-flag'], 'true');
    assert.equal(sent.headers['x-missing'], undefined);
    assert.equal(sent.headers['azureml-model-deployment'], 'blue');
  });

  test('headers given as a JSON string (older exports) are parsed', async () => {
    const before = server.requests.length;
    const headers = '{"x-legacy": "yes"}';
    await runWebActivity({ method: 'GET', url: `${server.url}/echo`, headers }, testDeps());
    assert.equal((await server.received(before + 1)).headers['x-legacy'], 'yes');
  });

  test('rewriteUrl changes where the call goes, not the URL in messages', async () => {
    const before = server.requests.length;
    const rewriteUrl = (url: URL) => new URL(`${server.url}${url.pathname}`);
    const deps = testDeps({ rewriteUrl });
    const { output } = await runWebActivity({ method: 'GET', url: 'https://api.example.test/job' }, deps);
    assert.equal(output.name, 'batchjob-1');
    assert.equal((await server.received(before + 1)).path, '/job');
    const failure = await rejection(
      runWebActivity({ method: 'GET', url: 'https://api.example.test/conflict' }, deps),
    );
    assert.match(failure.message, /endpoint 'https:\/\/api\.example\.test\/conflict'/);
  });
});

describe('input record', () => {
  test('the input record is returned with credentials masked', async () => {
    const props = {
      method: 'GET',
      url: `${server.url}/echo`,
      headers: { Authorization: 'Bearer secret-token', Accept: 'application/json' },
    };
    const { input } = await runWebActivity(props, testDeps());
    assert.deepEqual(input, {
      method: 'GET',
      url: `${server.url}/echo`,
      headers: { Authorization: '**********', Accept: 'application/json' },
    });
  });

  test('secureInput replaces the whole record', async () => {
    const { input } = await runWebActivity(
      { method: 'GET', url: `${server.url}/echo` },
      testDeps({ secureInput: true }),
    );
    assert.deepEqual(input, { secureInput: '**********' });
  });
});
