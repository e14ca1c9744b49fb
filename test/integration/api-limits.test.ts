/**
 * Bodies are read within their route's limits, before any handler: JSON nested too deep, strings or
 * arrays too long are 400s naming the JSON path and the limit (never a 500 from a stack overflow);
 * management bodies stop at 1 MiB, pipeline definitions at 4 MiB, token forms at 16 KiB (413 naming the
 * limit); uploads take octet-stream only (415 naming the type to send) and stop at the configured cap as
 * the bytes arrive.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { at } from '../helpers/json.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { factoryPath } from '../helpers/factory.ts';

const UPLOAD_CAP = 64 * 1024;
let server: TestServer;

before(async () => {
  server = await startServer({ env: { NIGHTSHIFT_MAX_UPLOAD_BYTES: String(UPLOAD_CAP) } });
});

after(async () => {
  await server.stop();
});

const factory = () => factoryPath(server.ws);

async function send(method: string, path: string, body: string | Buffer, headers: Record<string, string>) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    body,
    headers: { ...(await server.auth(path)), ...headers },
  });
  const text = await response.text();
  return { status: response.status, text, body: text.startsWith('{') ? (JSON.parse(text) as unknown) : text };
}

const json = (method: string, path: string, body: string) =>
  send(method, path, body, { 'content-type': 'application/json' });

function nested(depth: number): string {
  return `{"properties":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
}

describe('JSON limits', () => {
  it('refuses deep nesting in invoke, environment and pipeline bodies with a 400 naming the path', async () => {
    const targets: [string, string][] = [
      ['POST', '/endpoints/any/jobs'],
      ['PUT', `${server.ws}/environments/deep/versions/1`],
      ['PUT', `${factory()}/pipelines/deep`],
    ];
    for (const [method, path] of targets) {
      for (const depth of [64, 10_000]) {
        const reply = await json(method, path, nested(depth));
        assert.equal(reply.status, 400, `${path} ${depth}: ${reply.text.slice(0, 300)}`);
        assert.equal(at(reply.body, 'error.code'), 'UserError');
        assert.match(
          String(at(reply.body, 'error.message')),
          /at 'properties\.a\.a.*nested deeper than 64 levels/,
        );
      }
    }
    // 63 levels under properties (64 in all) pass the limit and reach the service.
    const fine = await json('PUT', `${server.ws}/environments/shallow/versions/1`, nested(62));
    assert.notEqual(fine.status, 500);
    assert.doesNotMatch(fine.text, /nested deeper/);
  });

  it('refuses long strings and long arrays, naming the path and the limit', async () => {
    const long = JSON.stringify({ properties: { description: 'x'.repeat(65_537) } });
    const reply = await json('PUT', `${server.ws}/batchEndpoints/long`, long);
    assert.equal(reply.status, 400, reply.text.slice(0, 300));
    assert.match(
      String(at(reply.body, 'error.message')),
      /'properties\.description' is a string of 65537 characters; the limit is 65536/,
    );
    assert.equal(at(reply.body, 'error.details[0].target'), 'properties.description');
    const many = JSON.stringify({ properties: { tags: [], list: new Array(10_001).fill(1) } });
    const arrays = await json('PUT', `${server.ws}/batchEndpoints/many`, many);
    assert.equal(arrays.status, 400);
    assert.match(
      String(at(arrays.body, 'error.message')),
      /'properties\.list' is an array of 10001 items; the limit is 10000/,
    );
  });

  it('reads JSON routes as JSON only', async () => {
    const text = await send('PUT', `${factory()}/pipelines/text`, '{"properties":{}}', {
      'content-type': 'text/plain',
    });
    assert.equal(text.status, 415, text.text);
    assert.match(String(at(text.body, 'error.message')), /application\/json/);
  });

  it('still refuses prototype poisoning', async () => {
    const reply = await json('PUT', `${server.ws}/batchEndpoints/proto`, '{"__proto__":{"x":1}}');
    assert.equal(reply.status, 400);
  });
});

describe('body size limits', () => {
  it('stops management bodies at 1 MiB, with a 413 naming the limit', async () => {
    // Strings stay under the 64 KiB string limit, so only the size decides.
    const body = (count: number) =>
      `{"properties":{${Array.from({ length: count }, (_, i) => `"p${i}":"${'z'.repeat(60_000)}"`).join(',')}}}`;
    const tooBig = body(18);
    assert.ok(tooBig.length > 1024 * 1024);
    const reply = await json('PUT', `${server.ws}/batchEndpoints/big`, tooBig);
    assert.equal(reply.status, 413, reply.text.slice(0, 200));
    assert.equal(at(reply.body, 'error.code'), 'PayloadTooLarge');
    assert.match(String(at(reply.body, 'error.message')), /limit of 1 MiB/);
    const under = await json('PUT', `${server.ws}/batchEndpoints/under`, body(17));
    assert.ok(body(17).length < 1024 * 1024);
    assert.notEqual(under.status, 413, under.text.slice(0, 200));
  });

  it('takes pipeline definitions up to 4 MiB', async () => {
    const activities = Array.from({ length: 40 }, (_, i) => ({
      name: `wait${i}`,
      type: 'Wait',
      description: 'd'.repeat(60_000),
      typeProperties: { waitTimeInSeconds: 1 },
    }));
    const body = JSON.stringify({ properties: { activities } });
    assert.ok(body.length > 2 * 1024 * 1024 && body.length < 4 * 1024 * 1024);
    const reply = await json('PUT', `${factory()}/pipelines/large`, body);
    assert.notEqual(reply.status, 413, reply.text.slice(0, 200));
    assert.ok(reply.status < 500, reply.text.slice(0, 200));
  });

  it('keeps token forms small', async () => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'x'.repeat(20_000) });
    const response = await fetch(`${server.url}/nightshift/oauth2/token`, {
      method: 'POST',
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(response.status, 413);
    assert.match(String(at(await response.json(), 'error.message')), /limit of 16 KiB/);
  });
});

describe('uploads', () => {
  const target = () => `${server.ws}/datastores/workspaceblobstore/paths/limits/file.bin`;

  it('take octet-stream bodies, and bodies without a type', async () => {
    for (const type of ['application/octet-stream', 'binary/octet-stream', undefined]) {
      const reply = await send('PUT', target(), Buffer.from('bytes'), type ? { 'content-type': type } : {});
      assert.equal(reply.status, 201, `${type}: ${reply.text}`);
    }
  });

  it('refuse JSON, form and text bodies with a 415 naming the type to send', async () => {
    for (const type of [
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
    ]) {
      const reply = await send('PUT', target(), '{"a":1}', { 'content-type': type });
      assert.equal(reply.status, 415, `${type}: ${reply.text}`);
      assert.equal(at(reply.body, 'error.code'), 'UnsupportedMediaType');
      assert.match(String(at(reply.body, 'error.message')), /Content-Type: application\/octet-stream/);
    }
  });

  it('stop at the configured cap, whether the size is declared or not', async () => {
    const over = Buffer.alloc(UPLOAD_CAP + 1, 1);
    const declared = await send('PUT', target(), over, { 'content-type': 'application/octet-stream' });
    assert.equal(declared.status, 413, declared.text);
    assert.match(String(at(declared.body, 'error.message')), /limit of 64 KiB/);
    const streamed = await fetch(`${server.url}${target()}`, {
      method: 'PUT',
      body: new Blob([over]).stream(),
      duplex: 'half',
      headers: { ...(await server.auth(target())), 'content-type': 'application/octet-stream' },
    });
    assert.equal(streamed.status, 413, await streamed.text());
    // Nothing of the refused uploads is left behind, not even a temporary part.
    const listing = await server.call('GET', `${server.ws}/datastores/workspaceblobstore/paths/limits`);
    assert.deepEqual(at(listing.body, 'value[].path'), ['limits/file.bin']);
    assert.equal(at(listing.body, 'value[0].size'), 5);
    const exact = await send('PUT', target(), Buffer.alloc(UPLOAD_CAP, 2), {});
    assert.equal(exact.status, 201, exact.text);
    assert.equal(at(exact.body, 'size'), UPLOAD_CAP);
  });
});
