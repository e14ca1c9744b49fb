/**
 * Every route of the route table, tried by every kind of caller (issue 10, item 7): without a token, with
 * a token for the other audience, with a token our own key signed for another issuer, and as each
 * built-in role, against the expectation table in test/helpers/security-routes.ts; then every route again
 * under other spellings of its path (each letter of the first segment percent-encoded, upper case, double
 * slashes, trailing dots, `%2f`, `..`), which must be refused as the plain path is. Every refusal is
 * counted in the audit log. Failures are collected, so one run lists every route that misbehaves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditLog, errorCode, raw, type RawReply } from '../helpers/security-http.ts';
import {
  audienceOf,
  DATA_PLANE,
  MANAGEMENT,
  principalWithRole,
  reSign,
  ROLES,
  startAttackServer,
  type AttackServer,
  type RoleName,
  type RolePrincipal,
} from '../helpers/security-principals.ts';
import {
  concretePath,
  declaredPublic,
  expectationFor,
  familyOf,
  isPublic,
  listRoutes,
  spellings,
  type RouteEntry,
} from '../helpers/security-routes.ts';

/** Fails with the count and the first 60 of the calls that answered wrongly. */
function expectNone(wrong: string[]): void {
  assert.equal(wrong.length, 0, `${wrong.length} answers were wrong:\n${wrong.slice(0, 60).join('\n')}`);
}

describe('every route, every caller', () => {
  let server: AttackServer;
  let routes: RouteEntry[];
  let guarded: RouteEntry[];
  const principals = new Map<RoleName, RolePrincipal>();

  /** One request with an optional bearer token; bodies are `{}` (or bytes for uploads). */
  function send(route: RouteEntry, path: string, token?: string): Promise<RawReply> {
    const upload = /\/paths\/\*$/.test(route.url);
    const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    if (hasBody) headers['content-type'] = upload ? 'application/octet-stream' : 'application/json';
    return raw(server.url, {
      method: route.method,
      path,
      headers,
      ...(hasBody ? { body: upload ? 'x' : '{}' } : {}),
    });
  }

  /**
   * Refusals of calls without a token since `since`. Only those: other tests' refusals name their
   * principal. Read again a bounded number of times, as an aborted call's entry may land a little later.
   */
  async function deniedSince(since: string, expected: number): Promise<number> {
    let count = 0;
    for (let attempt = 0; attempt < 40 && count < expected; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25));
      const filter = { result: 'Denied', since, principal: '(unauthenticated)' };
      count = (await auditLog(server.url, await server.owner('/nightshift/auditLogs'), filter)).length;
    }
    return count;
  }

  before(async () => {
    server = await startAttackServer();
    routes = await listRoutes(server.app, server.url);
    guarded = routes.filter((r) => !isPublic(r));
    for (const role of ROLES) principals.set(role, await principalWithRole(server, role));
  });

  after(async () => {
    await server.stop();
  });

  it('places every route: public ones as the table says, the rest in an action family', () => {
    assert.ok(routes.length > 40, `only ${routes.length} routes listed`);
    for (const route of guarded) familyOf(route);
    for (const route of routes.filter((r) => r.access !== undefined)) {
      assert.equal(
        declaredPublic(route.access),
        isPublic(route),
        `${route.method} ${route.url}: access ${JSON.stringify(route.access)}`,
      );
    }
  });

  it('every guarded route is 401 without a token, and each refusal is audited', async () => {
    const since = new Date().toISOString();
    const wrong: string[] = [];
    for (const route of guarded) {
      const reply = await send(route, concretePath(route, server.workspace));
      if (reply.status !== 401 || errorCode(reply.json) !== 'MissingToken')
        wrong.push(`${route.method} ${route.url} -> ${reply.status} ${errorCode(reply.json)}`);
    }
    expectNone(wrong);
    assert.equal(
      await deniedSince(since, guarded.length),
      guarded.length,
      'refusals missing from the audit log',
    );
  });

  it('every guarded route is 401 with a token for the other audience', async () => {
    const wrong: string[] = [];
    for (const route of guarded) {
      const path = concretePath(route, server.workspace);
      const token = await server.ownerToken(audienceOf(path) === MANAGEMENT ? DATA_PLANE : MANAGEMENT);
      const reply = await send(route, path, token);
      if (reply.status !== 401 || errorCode(reply.json) !== 'InvalidAudience')
        wrong.push(`${route.method} ${route.url} -> ${reply.status} ${errorCode(reply.json)}`);
    }
    expectNone(wrong);
  });

  it('every guarded route is 401 with our own key but another issuer', async () => {
    const wrong: string[] = [];
    const forgedFor = new Map<string, string>();
    for (const audience of [MANAGEMENT, DATA_PLANE]) {
      const token = await server.ownerToken(audience);
      forgedFor.set(audience, reSign(server.dataDir, token, { iss: 'https://evil.example/nightshift/' }));
    }
    for (const route of guarded) {
      const path = concretePath(route, server.workspace);
      const forged = forgedFor.get(audienceOf(path));
      assert.ok(forged);
      const reply = await send(route, path, forged);
      if (reply.status !== 401 || errorCode(reply.json) !== 'InvalidIssuer')
        wrong.push(`${route.method} ${route.url} -> ${reply.status} ${errorCode(reply.json)}`);
    }
    expectNone(wrong);
  });

  it('each role is refused (403) exactly where the expectation table says', async () => {
    const wrong: string[] = [];
    for (const role of ROLES) {
      const who = principals.get(role);
      assert.ok(who);
      for (const route of guarded) {
        const expected = expectationFor(route, role);
        if (expected === 'either') continue;
        const path = concretePath(route, server.workspace);
        const reply = await send(route, path, await who.tokens.token(audienceOf(path)));
        const refused = reply.status === 403 && errorCode(reply.json) === 'AuthorizationFailed';
        const ok = expected === 'deny' ? refused : reply.status !== 401 && reply.status !== 403;
        if (!ok)
          wrong.push(
            `${role} ${route.method} ${route.url}: want ${expected}, got ${reply.status} ${errorCode(reply.json)}`,
          );
      }
    }
    expectNone(wrong);
  });

  it('every spelling of every guarded route is 401 without a token, and audited', async () => {
    const since = new Date().toISOString();
    const wrong: string[] = [];
    let sent = 0;
    for (const route of guarded) {
      for (const spelling of spellings(concretePath(route, server.workspace))) {
        const reply = await send(route, spelling.path);
        sent += 1;
        if (reply.status !== 401) wrong.push(`${route.method} ${spelling.path} -> ${reply.status}`);
      }
    }
    expectNone(wrong);
    assert.equal(await deniedSince(since, sent), sent, 'refusals missing from the audit log');
  });

  it('every spelling of a route a role may not call is refused for that role too', async () => {
    const wrong: string[] = [];
    for (const route of guarded) {
      const role = ROLES.find((r) => expectationFor(route, r) === 'deny');
      if (role === undefined) continue;
      const who = principals.get(role);
      assert.ok(who);
      const plain = concretePath(route, server.workspace);
      const token = await who.tokens.token(audienceOf(plain));
      for (const spelling of spellings(plain)) {
        const reply = await send(route, spelling.path, token);
        const allowed = spelling.kind === 'same' ? [403] : [403, 404];
        if (!allowed.includes(reply.status))
          wrong.push(`${role} ${route.method} ${spelling.path} -> ${reply.status} (plain: 403)`);
      }
    }
    expectNone(wrong);
  });
});
