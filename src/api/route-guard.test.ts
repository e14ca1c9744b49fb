import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type RouteOptions } from 'fastify';
import { guardRoutes, RouteDeclarationError } from './route-guard.ts';

const ok = { 200: { type: 'object' } };

function attempt(route: Partial<RouteOptions>) {
  const app = Fastify();
  const routes = guardRoutes(app);
  const register = () => app.route({ method: 'GET', url: '/x', handler: () => ({}), ...route });
  return { app, routes, register };
}

test('a route without an access declaration cannot be registered', () => {
  const { register } = attempt({ schema: { response: ok } });
  assert.throws(
    register,
    (e: unknown) => e instanceof RouteDeclarationError && /declares no access/.test(e.message),
  );
});

test('a public route needs a reason, a protected one an action and a scope rule', () => {
  const cases: [unknown, RegExp][] = [
    [{ public: '' }, /without a reason/],
    [{ public: 42 }, /without a reason/],
    [{ scope: 'workspace' }, /no action/],
    [{ action: 'a/read' }, /no scope rule/],
    [{ action: 'a/read', scope: 'tenant' }, /no scope rule/],
  ];
  for (const [access, message] of cases) {
    const { register } = attempt({ config: { access } as never, schema: { response: ok } });
    assert.throws(register, message, JSON.stringify(access));
  }
});

test('a scope rule must name a parameter the URL has', () => {
  const { register } = attempt({
    url: '/jobs/:name',
    config: { access: { action: 'a/read', scope: 'job' } },
    schema: { response: ok },
  });
  assert.throws(register, /checked at its job but has no ':job' parameter/);
  const owner = attempt({
    url: '/sp/:id',
    config: { access: { action: 'a/read', scope: 'workspace', servicePrincipalOwner: 'appId' } },
    schema: { response: ok },
  });
  assert.throws(owner.register, /by a parameter it lacks/);
});

test('a route without a success response schema cannot be registered', () => {
  const access = { public: 'health' };
  for (const schema of [undefined, {}, { response: { 404: { type: 'object' } } }]) {
    const { register } = attempt({ config: { access }, ...(schema ? { schema } : {}) });
    assert.throws(register, /no response schema/, JSON.stringify(schema));
  }
});

test('declared routes register and are listed, without the HEAD routes fastify derives', async () => {
  const { app, routes, register } = attempt({
    url: '/endpoints/:endpoint',
    config: { access: { action: 'a/read', scope: 'endpoint' } },
    schema: { response: ok },
  });
  register();
  await app.ready();
  assert.equal(app.hasRoute({ method: 'HEAD', url: '/endpoints/:endpoint' }), true);
  assert.deepEqual(routes, [
    { method: 'GET', url: '/endpoints/:endpoint', access: { action: 'a/read', scope: 'endpoint' } },
  ]);
});
