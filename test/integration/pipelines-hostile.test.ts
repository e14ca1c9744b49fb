/**
 * Hostile pipelines through REST (issue 10.4): definitions, expressions, run parameters, json() text and
 * WebActivity responses nested 10,000 deep are refused with a 400 naming the place and the limit, or fail
 * the one activity that met them, and never overflow the server's stack (no 5xx, the server keeps serving).
 * Bodies are written as text: JSON.stringify itself overflows at this depth.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { factoryPath, waitForRun } from '../helpers/factory.ts';

const DEPTH = 10_000;
const deepObjectText = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
// Five characters a level, so 10,000 levels stay under the API's 64 KiB string limit and reach the parser.
const deepExpression = (depth: number) => `@${'not('.repeat(depth)}true${')'.repeat(depth)}`;

interface Run {
  runId: string;
  status: string;
  message: string;
}

describe('hostile pipelines', () => {
  let server: TestServer;
  let deepService: Server;
  let deepServiceUrl = '';
  let factory = '';

  async function send(method: string, path: string, text: string) {
    const response = await fetch(`${server.url}${path}?api-version=2018-06-01`, {
      method,
      headers: { ...(await server.auth(path)), 'content-type': 'application/json' },
      body: text,
    });
    const body = (await response.json().catch(() => undefined)) as
      { error?: { message?: string } } | undefined;
    return { status: response.status, message: body?.error?.message ?? '' };
  }

  const finishedRun = (runId: string): Promise<Run> => waitForRun<Run>(server, runId);

  before(async () => {
    server = await startServer();
    factory = factoryPath(server.ws);
    deepService = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(deepObjectText(DEPTH));
    });
    await new Promise<void>((resolve) => deepService.listen(0, '127.0.0.1', resolve));
    const address = deepService.address();
    deepServiceUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  });

  after(async () => {
    await server.stop();
    await new Promise((resolve) => deepService.close(resolve));
  });

  it('a definition nested 10,000 deep is a 400 naming the limit', async () => {
    const text =
      '{"properties": {"activities": [{"name": "Post", "type": "WebActivity", "typeProperties": ' +
      `{"method": "POST", "url": "http://127.0.0.1:1/", "body": ${deepObjectText(DEPTH)}}}]}}`;
    const reply = await send('PUT', `${factory}/pipelines/Deep`, text);
    assert.equal(reply.status, 400, reply.message);
    assert.match(reply.message, /deeper than 64|depth.*64|64.*depth/i);
    assert.equal((await server.call('GET', `${factory}/pipelines/Deep`)).status, 404);
  });

  it('an expression nested 10,000 deep is a 400 naming the activity, the property and the limit', async () => {
    const wait = {
      name: 'Nap',
      type: 'Wait',
      typeProperties: { waitTimeInSeconds: { value: deepExpression(DEPTH), type: 'Expression' } },
    };
    const reply = await send(
      'PUT',
      `${factory}/pipelines/DeepExpression`,
      JSON.stringify({ properties: { activities: [wait] } }),
    );
    assert.equal(reply.status, 400, reply.message);
    assert.match(reply.message, /Activity 'Nap'/);
    assert.match(reply.message, /typeProperties\.waitTimeInSeconds/);
    assert.match(reply.message, /deeper than 64 levels/);
    assert.ok(
      reply.message.length < 2000,
      `the message quotes the whole expression: ${reply.message.length}`,
    );
  });

  it('run parameters nested 10,000 deep are a 400; json() of such text fails only its run', async () => {
    const pipeline = {
      properties: {
        parameters: {
          text: { type: 'string', defaultValue: '[]' },
          data: { type: 'object', defaultValue: {} },
        },
        variables: { out: { type: 'String' } },
        activities: [
          {
            name: 'Parse',
            type: 'SetVariable',
            typeProperties: { variableName: 'out', value: '@string(json(pipeline().parameters.text))' },
          },
        ],
      },
    };
    assert.equal((await server.call('PUT', `${factory}/pipelines/Parse`, pipeline)).status, 200);
    const deep = await send(
      'POST',
      `${factory}/pipelines/Parse/createRun`,
      `{"data": ${deepObjectText(DEPTH)}}`,
    );
    assert.equal(deep.status, 400, deep.message);
    assert.match(deep.message, /deeper than 64|depth.*64|64.*depth/i);
    const created = await server.call('POST', `${factory}/pipelines/Parse/createRun`, {
      text: '['.repeat(DEPTH) + ']'.repeat(DEPTH),
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const run = await finishedRun((created.body as { runId: string }).runId);
    assert.equal(run.status, 'Failed');
    assert.match(run.message, /Operation on target Parse failed: .*nests deeper than 64 levels/);
  });

  it('a WebActivity response nested 10,000 deep fails that activity, and the server still answers', async () => {
    const pipeline = {
      properties: {
        activities: [
          { name: 'Fetch', type: 'WebActivity', typeProperties: { method: 'GET', url: deepServiceUrl } },
        ],
      },
    };
    assert.equal((await server.call('PUT', `${factory}/pipelines/Fetch`, pipeline)).status, 200);
    const created = await server.call('POST', `${factory}/pipelines/Fetch/createRun`, {});
    const run = await finishedRun((created.body as { runId: string }).runId);
    assert.equal(run.status, 'Failed');
    assert.match(run.message, /nested deeper than 64 levels/);
    const activities = await server.call(
      'POST',
      `${factory}/pipelineruns/${run.runId}/queryActivityruns`,
      {},
    );
    const [fetchRun] = (activities.body as { value: { error: { errorCode: string } }[] }).value;
    assert.equal(fetchRun?.error.errorCode, 'ResponseNestedTooDeep');
    assert.equal((await server.call('GET', '/healthz')).status, 200);
  });
});
