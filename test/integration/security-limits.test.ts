/**
 * Size and depth limits of issue 10: bodies nested 10,000 deep (invoke, environment, pipeline) and
 * expressions nested 10,000 deep are 400s naming the limit, not stack overflows (500); a 50 MB management
 * body is refused with 413 before it has been received, whether it declares its length or is chunked; an
 * 11 MB job description is refused and rides in no jobs list. Every refusal is audited.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { datastoreUri, Nightshift } from '../helpers/jobs.ts';
import { errorCode, expectAudited, raw, sendLarge, type RawReply } from '../helpers/security-http.ts';
import { startAttackServer, type AttackServer } from '../helpers/security-principals.ts';

const DEPTH = 10_000;
/** `{"a":{"a":…1…}}`, `depth` objects deep, as text (building it as a value would need recursion). */
const deepObject = (depth = DEPTH) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deepArray = (depth = DEPTH) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
/** `@add(1,add(1,…add(1,1)…))`, `depth` calls deep. */
// Five characters a level: 10,000 levels stay under the API's 64 KiB string limit, so the expression parser
// is what must refuse them (naming the activity), not the body reader.
const deepExpression = (depth = DEPTH) => `@${'not('.repeat(depth)}true${')'.repeat(depth)}`;

describe('depth and size limits', () => {
  let server: AttackServer;
  let ns: Nightshift;
  let endpoint: string;
  let factory: string;

  /** Sends `body` (JSON text) as the owner; expects `status`, a UserError-like code and an audit entry. */
  async function refused(method: string, path: string, body: string, status = 400): Promise<RawReply> {
    const since = new Date().toISOString();
    const reply = await raw(server.url, {
      method,
      path,
      headers: { ...(await server.owner(path)), 'content-type': 'application/json' },
      body,
    });
    const label = `${method} ${path} (${body.slice(0, 60)}…) -> ${reply.status} ${reply.text.slice(0, 300)}`;
    assert.equal(reply.status, status, label);
    assert.notEqual(errorCode(reply.json), '', label);
    assert.notEqual(errorCode(reply.json), 'InternalServerError', label);
    await expectAudited(server.url, await server.owner('/nightshift/auditLogs'), {
      method,
      path,
      status,
      since,
    });
    return reply;
  }

  const names = (reply: RawReply) => String((reply.json as { error?: { message?: string } }).error?.message);

  before(async () => {
    server = await startAttackServer();
    ns = await Nightshift.connect(server.url);
    ({ endpoint } = await ns.deploy({ script: 'strings.ts' }));
    await ns.uploadFiles('inputs/limits', { 'a.txt': 'a\n' });
    factory = server.ws.replace(
      'Microsoft.MachineLearningServices/workspaces',
      'Microsoft.DataFactory/factories',
    );
  });

  after(async () => {
    await server.stop();
  });

  it('an invoke body 10,000 levels deep is a 400 naming the depth limit', async () => {
    const uri = datastoreUri('inputs/limits');
    for (const deep of [deepObject(), deepArray()]) {
      for (const body of [
        `{"properties":{"InputData":{"in":{"JobInputType":"UriFolder","Uri":"${uri}","x":${deep}}}}}`,
        `{"properties":{"InputData":{"in":{"JobInputType":"UriFolder","Uri":"${uri}"}},"extra":${deep}}}`,
      ]) {
        const reply = await refused('POST', `/endpoints/${endpoint}/jobs`, body);
        assert.match(names(reply), /depth|deep|nest/i);
      }
    }
  });

  it('an environment body 10,000 levels deep is a 400 naming the depth limit', async () => {
    for (const [i, deep] of [deepObject(), deepArray()].entries()) {
      const path = `${server.ws}/environments/deep${i}/versions/1`;
      const reply = await refused('PUT', path, `{"properties":{"image":"python:3.11","extra":${deep}}}`);
      assert.match(names(reply), /depth|deep|nest/i);
    }
  });

  it('a pipeline body 10,000 levels deep is a 400 naming the depth limit', async () => {
    for (const [i, deep] of [deepObject(), deepArray()].entries()) {
      const body = `{"properties":{"activities":[{"name":"W","type":"Wait","typeProperties":{"waitTimeInSeconds":1,"extra":${deep}}}]}}`;
      const reply = await refused('PUT', `${factory}/pipelines/deep${i}`, body);
      assert.match(names(reply), /depth|deep|nest/i);
    }
    const run = `${factory}/pipelines/deep-params/createRun`;
    await refused('POST', run, `{"p":${deepObject()}}`);
  });

  it('an expression 10,000 calls deep is a 400 naming the activity', async () => {
    const expression = JSON.stringify({ value: deepExpression(), type: 'Expression' });
    const waits = `{"properties":{"activities":[{"name":"DeepWait","type":"Wait","typeProperties":{"waitTimeInSeconds":${expression}}}]}}`;
    const reply = await refused('PUT', `${factory}/pipelines/deep-expression`, waits);
    assert.match(names(reply), /DeepWait/);
    const variable = JSON.stringify({
      properties: {
        variables: { v: { type: 'String' } },
        activities: [
          {
            name: 'DeepSet',
            type: 'SetVariable',
            typeProperties: { variableName: 'v', value: `@{${deepExpression().slice(1)}}` },
          },
        ],
      },
    });
    assert.match(names(await refused('PUT', `${factory}/pipelines/deep-interpolation`, variable)), /DeepSet/);
  });

  it('a 50 MB management body is refused with 413 before it has all been sent', async () => {
    const total = 50 * 1024 * 1024;
    for (const chunked of [false, true]) {
      const path = `${server.ws}/batchEndpoints/big-${chunked ? 'chunked' : 'sized'}`;
      const since = new Date().toISOString();
      const reply = await sendLarge(server.url, {
        method: 'PUT',
        path,
        headers: await server.owner(path),
        totalBytes: total,
        chunked,
      });
      const label = `chunked=${chunked}: ${reply.status} after ${reply.sentBytes} of ${total} bytes ${reply.text.slice(0, 200)}`;
      assert.equal(reply.status, 413, label);
      assert.ok(reply.sentBytes < total, `the whole body was read before the answer: ${label}`);
      await expectAudited(server.url, await server.owner('/nightshift/auditLogs'), {
        method: 'PUT',
        path,
        status: 413,
        since,
      });
      assert.equal((await ns.request('GET', path)).status, 404, 'the endpoint was created');
    }
  });

  it('an 11 MB job description is refused and rides in no jobs list', async () => {
    const description = 'd'.repeat(11 * 1024 * 1024);
    const body = JSON.stringify({
      properties: {
        description,
        InputData: { in: { JobInputType: 'UriFolder', Uri: datastoreUri('inputs/limits') } },
      },
    });
    const path = `/endpoints/${endpoint}/jobs`;
    const since = new Date().toISOString();
    const reply = await raw(server.url, {
      method: 'POST',
      path,
      headers: { ...(await server.owner(path)), 'content-type': 'application/json' },
      body,
    });
    assert.ok(reply.status === 413 || reply.status === 400, `${reply.status} ${reply.text.slice(0, 200)}`);
    await expectAudited(server.url, await server.owner('/nightshift/auditLogs'), {
      method: 'POST',
      path,
      status: reply.status,
      since,
    });
    const list = await ns.request('GET', `${server.ws}/jobs`);
    assert.ok(list.text.length < 1024 * 1024, `the jobs list is ${list.text.length} bytes`);
  });
});
