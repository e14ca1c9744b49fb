/**
 * Tokens kept between CLI runs: a second run with the same cache file gets its token without asking
 * the token endpoint, an expiring one is renewed, the file is the user's only, logout removes it, and a
 * kept token the server refuses is dropped and the call made once more, while a fresh one is not retried.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApiClient } from './client.ts';
import { removeProfile, resolveTokenSource, tokenCacheFile } from './credentials.ts';

const scratch = mkdtempSync(join(tmpdir(), 'nightshift-credentials-'));
const dataDir = join(scratch, 'data');
let url = '';
let issued = 0;
/** Tokens the fake server accepts on GET /thing. */
const accepted = new Set<string>();
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  if (req.method === 'POST' && req.url === '/nightshift/oauth2/token') {
    issued += 1;
    const token = `token-${issued}`;
    accepted.add(token);
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({ access_token: token, expires_on: String(Math.floor(Date.now() / 1000) + 3600) }),
    );
    return;
  }
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  res.statusCode = accepted.has(token) ? 200 : 401;
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify(accepted.has(token) ? { ok: token } : { error: { code: 'InvalidToken', message: 'no' } }),
  );
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mkdirSync(dataDir);
  writeFileSync(
    join(dataDir, 'credentials.json'),
    JSON.stringify({ tenant: 'nightshift', clientId: 'app-1', clientSecret: 's', user: 'me' }),
  );
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
});

const env = { NIGHTSHIFT_CONFIG_DIR: join(scratch, 'config') };
const AUDIENCE = 'https://management.azure.com';

function source(tokenCache?: string) {
  const found = resolveTokenSource({ server: url, env, dataDir, tokenCache });
  assert.ok(found);
  return found;
}

void describe('the token cache', () => {
  test('a later run reuses a kept token; the file is readable by the user only', async () => {
    const file = tokenCacheFile(env);
    const before = issued;
    const first = await source(file).token(AUDIENCE);
    assert.equal(issued, before + 1);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(await source(file).token(AUDIENCE), first);
    assert.equal(issued, before + 1);
    // Without a cache file every run asks again.
    await source().token(AUDIENCE);
    assert.equal(issued, before + 2);
  });

  test('a token about to expire is renewed', async () => {
    const file = tokenCacheFile(env);
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { expiresOn: number }>;
    for (const entry of Object.values(kept)) entry.expiresOn = Math.floor(Date.now() / 1000) + 30;
    writeFileSync(file, JSON.stringify(kept));
    const before = issued;
    await source(file).token(AUDIENCE);
    assert.equal(issued, before + 1);
  });

  test('a kept token the server refuses is dropped and the call made once more', async () => {
    const file = tokenCacheFile(env);
    const stale = await source(file).token(AUDIENCE);
    accepted.delete(stale);
    const client = createApiClient(url, source(file));
    const answer = await client.request<{ ok: string }>('GET', '/thing');
    assert.notEqual(answer.ok, stale);
    // A token fetched in this run and refused is not retried: the refusal is the answer.
    const fresh = source();
    accepted.delete(await fresh.token(AUDIENCE));
    const before = issued;
    await assert.rejects(createApiClient(url, fresh).request('GET', '/thing'), /HTTP 401/);
    assert.equal(issued, before);
  });

  test('logout removes the kept tokens', () => {
    assert.ok(existsSync(tokenCacheFile(env)));
    removeProfile(env);
    assert.equal(existsSync(tokenCacheFile(env)), false);
  });
});
