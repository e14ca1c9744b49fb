/**
 * Principals for the attack suite: a server that may listen on every interface (so a test can call it
 * from a loopback and a non-loopback address), one service principal per built-in role made the way an
 * owner makes them (`ad sp create-for-rbac`: create the principal, then assign the role), and tokens
 * forged with the server's own signing key, found in its data dir as a local attacker who got there would
 * find it. The forger re-signs a real token with one claim changed, so it needs nothing of the server's
 * token code and only the one thing under test is wrong.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { workspaceId } from '../../src/core/workspace.ts';
import { authHeader, keptTokens, ownerTokens, rememberDataDir, servicePrincipalTokens } from './auth.ts';
import type { TokenSource } from '../../src/cli/credentials.ts';
import { raw } from './security-http.ts';

export const MANAGEMENT = 'https://management.azure.com';
export const DATA_PLANE = 'https://ml.azure.com';

export const ROLES = [
  'Owner',
  'Contributor',
  'Reader',
  'AzureML Data Scientist',
  'Batch Endpoint Invoker',
] as const;
export type RoleName = (typeof ROLES)[number];

export interface AttackServer {
  /** `http://127.0.0.1:PORT`, also when the server listens on every interface. */
  url: string;
  port: number;
  dataDir: string;
  ws: string;
  app: App;
  workspace: { subscriptionId: string; resourceGroup: string; workspace: string };
  /** The local owner's Authorization header for a path. */
  owner(path: string): Promise<Record<string, string>>;
  /** A local owner's token for any audience (for wrong-audience attacks). */
  ownerToken(audience: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A server on its own data dir; `host` '0.0.0.0' makes it reachable from this host's other addresses, and
 * `env` sets its configuration's environment (NIGHTSHIFT_ALLOW_URL_HOSTS, ...).
 */
export async function startAttackServer(
  host = '127.0.0.1',
  env: Record<string, string> = {},
): Promise<AttackServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nightshift-attack-'));
  const config = loadConfig({ flags: { dataDir, host, port: '0', logLevel: 'silent' }, env });
  const app = await createApp(config);
  const listened = await app.start();
  const port = Number(new URL(listened).port);
  const url = `http://127.0.0.1:${port}`;
  rememberDataDir(url, dataDir);
  if (listened !== url) rememberDataDir(listened, dataDir);
  const tokens = ownerTokens(url);
  assert.ok(tokens, 'the server wrote no credentials.json');
  return {
    url,
    port,
    dataDir,
    ws: workspaceId(config.workspace),
    app,
    workspace: config.workspace,
    owner: (path) => authHeader(tokens, path),
    ownerToken: (audience) => tokens.token(audience),
    async stop() {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The audience Azure's split gives a path: the scoring URI's data plane, else management. */
export function audienceOf(path: string): string {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // An undecodable path is judged as sent.
  }
  return /^\/+endpoints(\/|$)/i.test(decoded) ? DATA_PLANE : MANAGEMENT;
}

export interface RolePrincipal {
  role: RoleName;
  appId: string;
  password: string;
  objectId: string;
  tokens: TokenSource;
  header(path: string): Promise<Record<string, string>>;
}

/** A service principal holding `role` at `scope` (the workspace by default), made by the owner. */
export async function principalWithRole(
  server: AttackServer,
  role: RoleName,
  scope = server.ws,
): Promise<RolePrincipal> {
  const name = `attack-${role.replace(/\W+/g, '-').toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`;
  const created = await raw(server.url, {
    method: 'POST',
    path: '/nightshift/servicePrincipals',
    headers: { ...(await server.owner('/nightshift/servicePrincipals')), 'content-type': 'application/json' },
    body: JSON.stringify({ displayName: name }),
  });
  assert.equal(created.status, 201, created.text);
  const sp = created.json as { appId: string; password: string; objectId: string };
  const granted = await raw(server.url, {
    method: 'POST',
    path: '/nightshift/roleAssignments',
    headers: { ...(await server.owner('/nightshift/roleAssignments')), 'content-type': 'application/json' },
    body: JSON.stringify({ assignee: sp.appId, role, scope }),
  });
  assert.equal(granted.status, 201, granted.text);
  const tokens = keptTokens(servicePrincipalTokens(server.url, sp.appId, sp.password));
  return {
    role,
    ...sp,
    tokens,
    header: async (path) => ({ authorization: `Bearer ${await tokens.token(audienceOf(path))}` }),
  };
}

/** One call as `who` (undefined: the owner); a body is sent as JSON. */
export async function callAs(
  server: AttackServer,
  who: RolePrincipal | undefined,
  method: string,
  path: string,
  body?: unknown,
) {
  const auth = who ? await who.header(path) : await server.owner(path);
  return raw(server.url, {
    method,
    path,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Assigns `role` (any built-in role, by name) to an existing principal at `scope`, as the owner. */
export async function grantRole(server: AttackServer, assignee: string, role: string, scope: string) {
  const granted = await raw(server.url, {
    method: 'POST',
    path: '/nightshift/roleAssignments',
    headers: { ...(await server.owner('/nightshift/roleAssignments')), 'content-type': 'application/json' },
    body: JSON.stringify({ assignee, role, scope }),
  });
  assert.equal(granted.status, 201, granted.text);
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

export function decodeJwt(token: string): DecodedJwt {
  const [h = '', p = ''] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>,
  };
}

/** Every private RSA key stored in JSON (a JWK with `d`) or PEM files anywhere under the data dir. */
function privateKeysIn(dir: string): KeyObject[] {
  const keys: KeyObject[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string' && value.includes('PRIVATE KEY-----')) keys.push(createPrivateKey(value));
    if (typeof value !== 'object' || value === null) return;
    const jwk = value as Record<string, unknown>;
    if (jwk.kty === 'RSA' && typeof jwk.d === 'string')
      keys.push(createPrivateKey({ key: jwk, format: 'jwk' }));
    else for (const item of Object.values(jwk)) visit(item);
  };
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    const info = statSync(file);
    if (info.isDirectory()) keys.push(...privateKeysIn(file));
    else if (name.endsWith('.pem')) visit(readFileSync(file, 'utf8'));
    else if (name.endsWith('.json') && info.size < 1_000_000) {
      try {
        visit(JSON.parse(readFileSync(file, 'utf8')));
      } catch {
        // Not JSON after all: not a key file.
      }
    }
  }
  return keys;
}

/**
 * `token` with its claims changed, signed again with the server's key that signed it (RS256 signatures
 * are deterministic, so the key is the one that reproduces the original signature).
 */
export function reSign(dataDir: string, token: string, change: Record<string, unknown>): string {
  const [h = '', p = '', s = ''] = token.split('.');
  const key = privateKeysIn(dataDir).find(
    (k) => createSign('RSA-SHA256').update(`${h}.${p}`).sign(k, 'base64url') === s,
  );
  assert.ok(key, `no key in ${dataDir} signed the token`);
  const payload = { ...decodeJwt(token).payload, ...change };
  const body = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${body}.${createSign('RSA-SHA256').update(body).sign(key, 'base64url')}`;
}
