/**
 * The route table of the real server: `App.routes()` lists every route with its declared access, the
 * OpenAPI document describes exactly those routes and every status each can answer (errors included),
 * and a route without an access declaration cannot be added to the server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { buildHttpApp } from '../../src/api/http-app.ts';
import { RouteDeclarationError } from '../../src/api/route-guard.ts';
import { isPublic } from '../../src/api/route-table.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server.stop();
});

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }>; description?: string }>;
}

describe('the route table', () => {
  it('is what the OpenAPI document describes, every response included', async () => {
    const doc = (await server.call('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, Operation>>;
    };
    const documented = new Map<string, Operation>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) documented.set(`${method.toUpperCase()} ${path}`, op);
    }
    const routes = server.app.routes();
    const declared = routes.map(
      (r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}')}`,
    );
    assert.deepEqual([...documented.keys()].filter((k) => !k.startsWith('HEAD')).sort(), declared.sort());
    for (const route of routes) {
      const key = `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}')}`;
      const statuses = Object.keys(documented.get(key)?.responses ?? {});
      assert.ok(
        statuses.some((s) => /^[23]/.test(s)),
        `${key}: no success response`,
      );
      const errors = isPublic(route.access) ? ['400', '404', '500'] : ['400', '401', '403', '404', '500'];
      for (const status of errors) assert.ok(statuses.includes(status), `${key}: no ${status} response`);
    }
  });

  it('declares access for every route: public ones say why, the others name an Azure action', () => {
    for (const route of server.app.routes()) {
      if (isPublic(route.access)) assert.ok(route.access.public.length > 10, route.url);
      else assert.match(route.access.action, /^Microsoft\.[A-Za-z]+\/.+/, route.url);
    }
  });

  it('refuses to register a route without an access declaration', async () => {
    const { server: app } = await buildHttpApp(server.app.services, pino({ level: 'silent' }));
    try {
      assert.throws(
        () => app.get('/undeclared', { schema: { response: { 200: { type: 'object' } } } }, () => ({})),
        (e: unknown) => e instanceof RouteDeclarationError && /declares no access/.test(e.message),
      );
      assert.throws(
        () => app.get('/unanswered', { config: { access: { public: 'a reason to be open' } } }, () => ({})),
        /no response schema/,
      );
    } finally {
      await app.close();
    }
  });
});
