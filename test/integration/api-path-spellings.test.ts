/**
 * The authentication bypass of issue 10, reproduced: a path spelled differently from the route (a
 * percent-encoded letter, another case, doubled or trailing slashes, a trailing dot) must be authorized
 * exactly like the plain path, because the router decodes and normalizes it before matching. Without a
 * token every spelling is a 401 and is audited with the route's action; with the owner's token a spelling
 * the router matches does what the plain path does, and one it does not match is a 404.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { at } from '../helpers/json.ts';

let server: TestServer;

before(async () => {
  server = await startServer();
  const up = await fetch(`${server.url}${server.ws}/datastores/workspaceblobstore/paths/in/a.csv`, {
    method: 'PUT',
    body: 'x\n1\n',
    headers: {
      ...(await server.auth(`${server.ws}/datastores/workspaceblobstore/paths/in/a.csv`)),
      'content-type': 'application/octet-stream',
    },
  });
  assert.equal(up.status, 201);
  assert.equal(
    (await server.call('PUT', `${server.ws}/batchEndpoints/spelled`, { properties: {} })).status,
    201,
  );
});

after(async () => {
  await server.stop();
});

/** Respells the first letter of a path segment as its percent-encoding (`n` → `%6e`). */
function encodeFirst(path: string, segment: string): string {
  const hex = segment.charCodeAt(0).toString(16);
  return path.replace(`/${segment}`, `/%${hex}${segment.slice(1)}`);
}

interface Protected {
  method: string;
  /** The plain path, and the first segment to respell. */
  path: () => string;
  first: string;
  action: string;
  body?: unknown;
}

const ML = 'Microsoft.MachineLearningServices/workspaces';
const routes: Protected[] = [
  {
    method: 'GET',
    path: () => '/nightshift/servicePrincipals',
    first: 'nightshift',
    action: 'Microsoft.Directory/servicePrincipals/read',
  },
  {
    method: 'POST',
    path: () => '/nightshift/roleAssignments',
    first: 'nightshift',
    action: 'Microsoft.Authorization/roleAssignments/write',
    body: { assignee: 'nobody', role: 'Owner' },
  },
  {
    method: 'DELETE',
    path: () => `${server.ws}/batchEndpoints/spelled`,
    first: 'subscriptions',
    action: `${ML}/batchEndpoints/delete`,
  },
  {
    method: 'GET',
    path: () => `${server.ws}/datastores/workspaceblobstore/paths/in/a.csv`,
    first: 'subscriptions',
    action: `${ML}/datastores/paths/read`,
  },
  {
    method: 'POST',
    path: () => '/endpoints/spelled/jobs',
    first: 'endpoints',
    action: `${ML}/batchEndpoints/jobs/write`,
    body: { properties: { InputData: {} } },
  },
];

/** Spellings the router matches to the same route. */
const matched: [string, (r: Protected) => string][] = [
  ['plain', (r) => r.path()],
  ['percent-encoded first letter', (r) => encodeFirst(r.path(), r.first)],
  ['upper case', (r) => r.path().replace(`/${r.first}`, `/${r.first.toUpperCase()}`)],
  ['doubled slashes', (r) => r.path().replaceAll('/', '//')],
  ['trailing slash', (r) => `${r.path()}/`],
];

/** Spellings that name no route. */
const unmatched: [string, (r: Protected) => string][] = [
  ['trailing dot on the first segment', (r) => r.path().replace(`/${r.first}`, `/${r.first}.`)],
  ['encoded slash after the first segment', (r) => r.path().replace(`/${r.first}/`, `/${r.first}%2F`)],
];

async function send(method: string, path: string, body: unknown, headers: Record<string, string>) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

describe('path spellings without a token', () => {
  for (const route of routes) {
    for (const [name, spell] of [...matched, ...unmatched]) {
      it(`${route.method} ${route.first} route, ${name}: 401`, async () => {
        const path = spell(route);
        const reply = await send(route.method, path, route.body, {});
        assert.equal(reply.status, 401, `${route.method} ${path}: ${reply.text}`);
      });
    }
  }

  it('audits every refusal with the route action and an unauthenticated principal', async () => {
    const log = await server.call('GET', '/nightshift/auditLogs?result=Denied&limit=1000');
    assert.equal(log.status, 200);
    const entries = (log.body as { value: Record<string, unknown>[] }).value;
    for (const route of routes) {
      for (const [name, spell] of matched) {
        const path = spell(route);
        const entry = entries.find((e) => e.path === path && e.method === route.method);
        assert.ok(entry, `no audit entry for ${route.method} ${path} (${name})`);
        assert.equal(entry.status, 401);
        assert.equal(entry.action, route.action, `${route.method} ${path}`);
        assert.equal(entry.principal, '(unauthenticated)');
      }
      for (const [name, spell] of unmatched) {
        const path = spell(route);
        const entry = entries.find((e) => e.path === path && e.method === route.method);
        assert.ok(entry, `no audit entry for ${route.method} ${path} (${name})`);
        assert.deepEqual(
          [entry.status, entry.action, entry.principal],
          [401, '(no route)', '(unauthenticated)'],
        );
      }
    }
  });
});

describe('path spellings with the owner token', () => {
  it('reads through every spelling the router matches, and 404s the others', async () => {
    const route = routes[0];
    assert.ok(route);
    for (const [name, spell] of matched) {
      const path = spell(route);
      const reply = await server.call('GET', path);
      assert.equal(reply.status, 200, `${path} (${name})`);
      assert.ok(Array.isArray(at(reply.body, 'value')));
    }
    for (const [name, spell] of unmatched) {
      const path = spell(route);
      const reply = await server.call('GET', path);
      assert.equal(reply.status, 404, `${path} (${name})`);
      assert.equal(at(reply.body, 'error.code'), 'NotFound');
    }
  });

  it('answers a path that is not a valid URL with a 400 in the ARM envelope', async () => {
    const reply = await send('GET', '/nightshift/servicePrincipals/%', undefined, {});
    assert.equal(reply.status, 400, reply.text);
    assert.equal(at(JSON.parse(reply.text), 'error.code'), 'BadRequest');
  });

  it('answers an unmatched path 401 without a valid token and 404 with one', async () => {
    for (const path of ['/no/such/route', '/nightshift/nothing', `/subscriptions/x`]) {
      assert.equal((await send('GET', path, undefined, {})).status, 401, path);
      const bad = await send('GET', path, undefined, { authorization: 'Bearer not.a.token' });
      assert.equal(bad.status, 401, path);
      assert.equal((await server.call('GET', path)).status, 404, path);
      assert.equal((await server.call('POST', path, {})).status, 404, path);
    }
  });
});
