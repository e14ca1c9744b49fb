/**
 * The authentication bypass of issue 10: a path whose first segment is spelled differently from the way
 * the access check expected (a percent-encoded letter, a double slash, upper case, a trailing dot, `%2f`
 * inside a segment, `..` segments) must be refused exactly as the plain path is, with 401 and an audit
 * entry, and must not reach any handler: no principal is created, no role granted, no endpoint deleted,
 * no file read, no job started. Unmatched paths are 401 without a token and 404 with one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { folderBody, Nightshift } from '../helpers/jobs.ts';
import { errorCode, expectAudited, raw, type RawReply } from '../helpers/security-http.ts';
import { startAttackServer, type AttackServer } from '../helpers/security-principals.ts';

/** `path` with the letter at `index` of its first segment percent-encoded (`%6e` for `n`). */
function encodeLetter(path: string, index: number, upper = false): string {
  const start = path.indexOf('/') + 1;
  const char = path.charAt(start + index);
  const hex = char.charCodeAt(0).toString(16);
  return `${path.slice(0, start + index)}%${upper ? hex.toUpperCase() : hex}${path.slice(start + index + 1)}`;
}

/** The spellings of a path tried in each bypass test: first, last and upper-case-hex encodings. */
function encodedSpellings(path: string): string[] {
  const first = path.split('/')[1] ?? '';
  return [encodeLetter(path, 0), encodeLetter(path, first.length - 1), encodeLetter(path, 1, true)];
}

const SECRET = `TOP-SECRET-${Math.random().toString(36).slice(2)}`;

describe('percent-encoding and other spellings do not skip authentication', () => {
  let server: AttackServer;
  let ns: Nightshift;
  /** One endpoint the delete attack aims at, another the invoke attack uses, so each shows on its own. */
  let endpoint: string;
  let scoring: string;
  let victim: { appId: string; objectId: string };
  const secretPath = 'secret/creds.txt';

  /** Sends without a token; checks 401 MissingToken and an audit entry for exactly this call. */
  async function anonymous(method: string, path: string, body?: unknown): Promise<RawReply> {
    const since = new Date().toISOString();
    const reply = await raw(server.url, {
      method,
      path,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    assert.equal(reply.status, 401, `${method} ${path} -> ${reply.status} ${reply.text.slice(0, 300)}`);
    assert.equal(errorCode(reply.json), 'MissingToken', `${method} ${path}: ${reply.text}`);
    await expectAudited(server.url, await server.owner('/nightshift/auditLogs'), {
      method,
      path,
      status: 401,
      since,
    });
    return reply;
  }

  before(async () => {
    server = await startAttackServer();
    ns = await Nightshift.connect(server.url);
    ({ endpoint } = await ns.deploy({ script: 'strings.ts' }));
    ({ endpoint: scoring } = await ns.deploy({ script: 'strings.ts' }));
    await ns.upload(secretPath, SECRET);
    await ns.upload('inputs/one/a.txt', 'a\n');
    const created = await ns.ok<{ appId: string; objectId: string }>(
      'POST',
      '/nightshift/servicePrincipals',
      {
        json: { displayName: 'victim' },
      },
    );
    victim = created;
  });

  after(async () => {
    await server.stop();
  });

  it('the plain spellings are 401 and audited (the baseline every other spelling must match)', async () => {
    await anonymous('GET', '/nightshift/servicePrincipals');
    await anonymous('POST', '/nightshift/roleAssignments', { assignee: victim.appId, role: 'Owner' });
    await anonymous('DELETE', `${server.ws}/batchEndpoints/${endpoint}`);
    await anonymous('POST', `/endpoints/${scoring}/jobs`, folderBody('inputs/one'));
  });

  it('GET /%6eightshift/servicePrincipals lists no principal', async () => {
    for (const path of encodedSpellings('/nightshift/servicePrincipals')) {
      const reply = await anonymous('GET', path);
      assert.ok(!reply.text.includes(victim.appId), `${path} listed principals`);
    }
  });

  it('POST /%6eightshift/servicePrincipals creates no principal and hands out no password', async () => {
    for (const path of encodedSpellings('/nightshift/servicePrincipals')) {
      const reply = await anonymous('POST', path, { displayName: 'made-by-anonymous' });
      assert.ok(!reply.text.includes('password'), reply.text);
    }
    const list = await ns.ok<{ value: { displayName: string }[] }>('GET', '/nightshift/servicePrincipals');
    assert.ok(!list.value.some((p) => p.displayName === 'made-by-anonymous'), 'a principal was created');
  });

  it('POST /%6eightshift/roleAssignments grants nothing', async () => {
    for (const path of encodedSpellings('/nightshift/roleAssignments'))
      await anonymous('POST', path, { assignee: victim.appId, role: 'Owner' });
    const list = await ns.ok<{ value: { principalId: string }[] }>(
      'GET',
      `/nightshift/roleAssignments?assignee=${victim.appId}`,
    );
    assert.deepEqual(list.value, [], 'an anonymous caller granted a role');
  });

  it('DELETE /%73ubscriptions/.../batchEndpoints/X deletes nothing', async () => {
    for (const path of encodedSpellings(`${server.ws}/batchEndpoints/${endpoint}`))
      await anonymous('DELETE', path);
    const still = await ns.request('GET', `${server.ws}/batchEndpoints/${endpoint}`);
    assert.equal(still.status, 200, 'the endpoint was deleted without a token');
  });

  it('GET /%73ubscriptions/.../datastores/.../paths/... reads no file', async () => {
    for (const path of encodedSpellings(`${server.ws}/datastores/workspaceblobstore/paths/${secretPath}`)) {
      const reply = await anonymous('GET', path);
      assert.ok(!reply.text.includes(SECRET), `${path} returned the file`);
    }
  });

  it('POST /%65ndpoints/E/jobs starts no job', async () => {
    const before = await ns.jobCount();
    for (const path of encodedSpellings(`/endpoints/${scoring}/jobs`))
      await anonymous('POST', path, folderBody('inputs/one'));
    assert.equal(await ns.jobCount(), before, 'a job was started without a token');
  });

  const OTHER_SPELLINGS = (p: string): string[] => {
    const [, first = '', ...rest] = p.split('/');
    const tail = rest.join('/');
    return [
      `/${p}`,
      `/${first}//${tail}`,
      p.toUpperCase(),
      `/${first.toUpperCase()}/${tail}`,
      `/${first}./${tail}`,
      `${p}.`,
      `/${first}%2f${tail}`,
      `/${first}%2F${tail}`,
      `/x/../${first}/${tail}`,
      `/${first}/./${tail}`,
      `/${first}/x/../${tail}`,
      `/%2e%2e/${first}/${tail}`,
      `/${first}/%2e/${tail}`,
      `${p}/`,
      `${p}%00`,
      `${p};x=1`,
    ];
  };

  it('double slashes, case, trailing dots, %2f and .. segments are all 401 and audited', async () => {
    for (const path of OTHER_SPELLINGS('/nightshift/servicePrincipals')) {
      const reply = await anonymous('GET', path);
      assert.ok(!reply.text.includes(victim.appId), `${path} listed principals`);
    }
    for (const path of OTHER_SPELLINGS(`${server.ws}/datastores/workspaceblobstore/paths/${secretPath}`)) {
      const reply = await anonymous('GET', path);
      assert.ok(!reply.text.includes(SECRET), `${path} returned the file`);
    }
  });

  it('an unmatched path is 401 without a token and 404 with one', async () => {
    for (const path of ['/nope', '/subscriptions/zzz', '/endpoints', '/nightshift', '/x/y/z/w']) {
      await anonymous('GET', path);
      await anonymous('POST', path, {});
      const withToken = await raw(server.url, { method: 'GET', path, headers: await server.owner(path) });
      assert.equal(withToken.status, 404, `${path} with a token -> ${withToken.status} ${withToken.text}`);
    }
  });
});
