/**
 * Size limits on what users attach to resources, through the real server: descriptions (5,000 characters),
 * tags (50, names 512 and values 256 characters, as Azure Resource Manager), and datastore paths (1,024
 * characters, 255 bytes per name). Each is a 400 naming the field and the limit, on every resource family
 * and on a job, never a 500 from the file system and never a value stored to ride along in every list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Nightshift, type ErrorBody } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let ns: Nightshift;

before(async () => {
  server = await startServer();
  ns = await Nightshift.connect(server.url);
});

after(async () => {
  await server.stop();
});

function refused(reply: { status: number; body: ErrorBody; text: string }, pattern: RegExp): void {
  assert.equal(reply.status, 400, reply.text.slice(0, 300));
  assert.match(reply.body.error.message, pattern);
  assert.ok(reply.text.length < 2000, `the answer echoes the value: ${reply.text.length} characters`);
}

const manyTags = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v']));

void describe('descriptions and tags', () => {
  void it('refuses a description over 5,000 characters and tags beyond Azure limits on every resource', async () => {
    const long = 'd'.repeat(5001);
    const endpoint = `${ns.ws}/batchEndpoints/limits-ep`;
    refused(
      await ns.request<ErrorBody>('PUT', endpoint, { json: { properties: { description: long } } }),
      /'properties.description' has 5001 characters; a description may have at most 5000/,
    );
    refused(
      await ns.request<ErrorBody>('PUT', endpoint, { json: { tags: manyTags(51), properties: {} } }),
      /'tags' has 51 tags; a resource may have at most 50/,
    );
    refused(
      await ns.request<ErrorBody>('PUT', endpoint, {
        json: { tags: { ['n'.repeat(513)]: 'v' }, properties: {} },
      }),
      /tag names may have at most 512/,
    );
    refused(
      await ns.request<ErrorBody>('PUT', `${ns.ws}/environments/limits/versions/1`, {
        json: { properties: { image: 'python:3.11', tags: { owner: 'v'.repeat(257) } } },
      }),
      /'properties.tags.owner' has 257 characters; tag values may have at most 256/,
    );
    assert.equal(
      (
        await ns.request('PUT', endpoint, {
          json: { tags: manyTags(50), properties: { description: 'd'.repeat(5000) } },
        })
      ).status,
      201,
    );
  });

  void it('refuses a job whose description or tags are over the limits', async () => {
    const { scoringUri } = await ns.deploy({ script: 'strings.ts' });
    await ns.upload('limits/in.csv', 'x\n1\n');
    const body = (extra: Record<string, unknown>) => ({
      properties: {
        InputData: {
          data: { JobInputType: 'UriFolder', Uri: 'azureml://datastores/workspaceblobstore/paths/limits' },
        },
        ...extra,
      },
    });
    const invoke = (extra: Record<string, unknown>) =>
      ns.request<ErrorBody>('POST', scoringUri, { json: body(extra) });
    refused(await invoke({ description: 'j'.repeat(11_000) }), /at most 5000/);
    refused(await invoke({ tags: manyTags(60) }), /at most 50/);
  });
});

void describe('datastore paths', () => {
  // A 300-character name reached the file system as ENAMETOOLONG and answered 500.
  void it('refuses over-long names and paths in uploads and downloads with the limit', async () => {
    const base = `${ns.ws}/datastores/workspaceblobstore/paths`;
    refused(
      await ns.request<ErrorBody>('PUT', `${base}/long/${'n'.repeat(300)}.csv`, { raw: 'x' }),
      /longer than 255 bytes/,
    );
    refused(
      await ns.request<ErrorBody>('GET', `${base}/long/${'n'.repeat(300)}.csv`),
      /longer than 255 bytes/,
    );
    const deep = Array.from({ length: 9 }, () => 'p'.repeat(120)).join('/');
    refused(await ns.request<ErrorBody>('PUT', `${base}/${deep}`, { raw: 'x' }), /at most 1024 characters/);
  });
});
