/**
 * SecureString values through REST (issue 10.4, contract 12): inline SecureString values of a definition and
 * the defaults of SecureString parameters are stored sealed (nowhere in the data dir in clear), read back as
 * `***` by PUT, GET and list, and still reach the endpoint a run calls; SecureString run parameters are used
 * by the run and shown as `***` in its records. A definition read and saved again keeps its secrets.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { factoryPath, waitForRun } from '../helpers/factory.ts';

const PASSWORD = 'basic-password-4711';
const API_KEY = 'default-api-key-0815';
const RUN_KEY = 'run-parameter-key-1234';

interface Run {
  runId: string;
  status: string;
  message: string;
  parameters: Record<string, string>;
}

function pipeline(password: string, apiKey: string) {
  return {
    properties: {
      parameters: { apiKey: { type: 'SecureString', defaultValue: apiKey } },
      activities: [
        {
          name: 'Call',
          type: 'WebActivity',
          typeProperties: {
            method: 'GET',
            url: '@{pipeline().globalParameters.unused}',
            headers: { 'x-api-key': { value: '@pipeline().parameters.apiKey', type: 'Expression' } },
            authentication: {
              type: 'Basic',
              username: 'etl',
              password: { type: 'SecureString', value: password },
            },
          },
        },
      ],
    },
  };
}

/** Every file of the data dir as text, to prove a secret is stored nowhere in clear. */
function dataDirText(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path).toString('latin1'))
    .join('\n');
}

describe('SecureString values', () => {
  let server: TestServer;
  let echo: Server;
  let factory = '';
  let url = '';
  const received: IncomingHttpHeaders[] = [];

  const withUrl = (body: ReturnType<typeof pipeline>) => {
    const activity = body.properties.activities[0];
    if (activity) activity.typeProperties.url = url;
    return body;
  };

  async function run(parameters: Record<string, unknown> = {}): Promise<Run> {
    const created = await server.call('POST', `${factory}/pipelines/Secured/createRun`, parameters);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    return waitForRun<Run>(server, (created.body as Run).runId);
  }

  before(async () => {
    server = await startServer();
    factory = factoryPath(server.ws);
    echo = createServer((request, response) => {
      received.push(request.headers);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok": true}');
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const address = echo.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  });

  after(async () => {
    await server.stop();
    await new Promise((resolve) => echo.close(resolve));
  });

  it('PUT, GET and list show *** where the definition has a secret', async () => {
    const put = await server.call(
      'PUT',
      `${factory}/pipelines/Secured`,
      withUrl(pipeline(PASSWORD, API_KEY)),
    );
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const listed = (await server.call('GET', `${factory}/pipelines`)).body as { value: unknown[] };
    for (const shown of [
      put.body,
      (await server.call('GET', `${factory}/pipelines/Secured`)).body,
      listed.value,
    ]) {
      const text = JSON.stringify(shown);
      assert.ok(!text.includes(PASSWORD) && !text.includes(API_KEY), text);
      assert.ok(!text.includes('nsbox1:'), 'a sealed value left the server');
    }
    const properties = (put.body as ReturnType<typeof pipeline>).properties;
    assert.deepEqual(properties.activities[0]?.typeProperties.authentication.password, {
      type: 'SecureString',
      value: '***',
    });
    assert.equal(properties.parameters.apiKey.defaultValue, '***');
  });

  it('a run sends the real secrets; records show *** and the data dir holds them only sealed', async () => {
    const done = await run();
    assert.equal(done.status, 'Succeeded', done.message);
    const sent = received.at(-1);
    assert.equal(sent?.authorization, `Basic ${Buffer.from(`etl:${PASSWORD}`).toString('base64')}`);
    assert.equal(sent['x-api-key'], API_KEY);
    assert.deepEqual(done.parameters, { apiKey: '***' });
    const withParameter = await run({ apiKey: RUN_KEY });
    assert.equal(withParameter.status, 'Succeeded', withParameter.message);
    assert.equal(received.at(-1)?.['x-api-key'], RUN_KEY);
    assert.deepEqual(withParameter.parameters, { apiKey: '***' });
    const activities = await server.call(
      'POST',
      `${factory}/pipelineruns/${withParameter.runId}/queryActivityruns`,
      {},
    );
    assert.ok(!JSON.stringify(activities.body).includes(RUN_KEY));
    await server.app.services.pipelines.flush();
    const stored = dataDirText(server.dataDir);
    for (const secret of [PASSWORD, API_KEY, RUN_KEY])
      assert.ok(!stored.includes(secret), `${secret} is stored in clear`);
  });

  it('a definition read and saved back keeps its secrets; *** where none is stored is a 400', async () => {
    const shown = (await server.call('GET', `${factory}/pipelines/Secured`)).body as ReturnType<
      typeof pipeline
    >;
    const saved = await server.call('PUT', `${factory}/pipelines/Secured`, { properties: shown.properties });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal((await run()).status, 'Succeeded');
    assert.equal(
      received.at(-1)?.authorization,
      `Basic ${Buffer.from(`etl:${PASSWORD}`).toString('base64')}`,
    );
    const fresh = await server.call('PUT', `${factory}/pipelines/Fresh`, withUrl(pipeline('***', API_KEY)));
    assert.equal(fresh.status, 400);
    assert.match(
      (fresh.body as { error: { message: string } }).error.message,
      /Activity 'Call': typeProperties\.authentication\.password\.value is '\*\*\*'.*send the secret itself/,
    );
  });
});
