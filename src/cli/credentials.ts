/**
 * Where the CLI (and the test and bench clients) get bearer tokens, in this order:
 * 1. `NIGHTSHIFT_ACCESS_TOKEN`: a token obtained elsewhere, sent as it is;
 * 2. the profile `nightshift login --service-principal` saved for this server;
 * 3. the local owner's `credentials.json` in the server's data dir (`--data-dir`, `NIGHTSHIFT_DATA_DIR`, or
 *    `./.nightshift` as `nightshift serve` uses), so on the server's own machine nobody has to log in.
 * Tokens are fetched the documented way (client credentials at the token endpoint) and kept per audience
 * until shortly before they expire: in memory, and for the CLI acting as the local owner also in
 * `tokens.json` in its config dir (mode 0600, as az keeps its token cache), so a command does not pay a
 * token request (the server's deliberately slow secret check) when the last one got a token that is
 * still good. A saved service-principal login is not kept: its secret may be reset by someone else, and
 * the next command should then fail rather than run on an older token.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readLocalCredentials } from '../auth/local-owner.ts';

export interface TokenSource {
  /** How the credentials were found, for error hints. */
  readonly origin: string;
  token(audience: string): Promise<string>;
  /**
   * Drops a token kept from an earlier run that the server refused (it was restarted on new keys, the
   * principal was recreated); true when there was one, so the call is worth making again.
   */
  forget?(audience: string): boolean;
}

export interface ServicePrincipalLogin {
  server: string;
  tenant: string;
  clientId: string;
  clientSecret: string;
}

export interface CredentialOptions {
  server: string;
  env: Record<string, string | undefined>;
  dataDir?: string | undefined;
  cwd?: string;
  /** A file that keeps the local owner's tokens between runs (the CLI's tokenCacheFile); memory only without it. */
  tokenCache?: string | undefined;
}

/** Seconds before expiry at which a cached token is renewed. */
const RENEW_BEFORE_SECONDS = 120;

function configDir(env: Record<string, string | undefined>): string {
  return env.NIGHTSHIFT_CONFIG_DIR ?? join(homedir(), '.nightshift');
}

export function profileFile(env: Record<string, string | undefined>): string {
  return join(configDir(env), 'profile.json');
}

export function tokenCacheFile(env: Record<string, string | undefined>): string {
  return join(configDir(env), 'tokens.json');
}

const sameServer = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

function readProfile(env: Record<string, string | undefined>): ServicePrincipalLogin | undefined {
  const file = profileFile(env);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ServicePrincipalLogin;
  } catch {
    return undefined;
  }
}

export function saveProfile(env: Record<string, string | undefined>, login: ServicePrincipalLogin): string {
  const file = profileFile(env);
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return file;
}

export function removeProfile(env: Record<string, string | undefined>): boolean {
  // The tokens kept for the login go with it.
  rmSync(tokenCacheFile(env), { force: true });
  const file = profileFile(env);
  if (!existsSync(file)) return false;
  rmSync(file);
  return true;
}

/** One client-credentials token request, as Entra's v1 endpoint takes it. */
export async function requestToken(
  login: ServicePrincipalLogin,
  audience: string,
): Promise<{ accessToken: string; expiresOn: number }> {
  const url = `${login.server.replace(/\/+$/, '')}/${encodeURIComponent(login.tenant)}/oauth2/token`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: login.clientId,
      client_secret: login.clientSecret,
      resource: audience,
    }),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok || typeof body.access_token !== 'string') {
    const why =
      typeof body.error_description === 'string' ? body.error_description : `HTTP ${response.status}`;
    throw new Error(`The token endpoint refused client '${login.clientId}': ${why}`);
  }
  return { accessToken: body.access_token, expiresOn: Number(body.expires_on) };
}

interface KeptToken {
  accessToken: string;
  expiresOn: number;
}

const fresh = (kept: KeptToken | undefined): kept is KeptToken =>
  kept !== undefined && kept.expiresOn - RENEW_BEFORE_SECONDS > Date.now() / 1000;

function readKept(file: string): Record<string, KeptToken> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, KeptToken>;
  } catch {
    return {};
  }
}

/** Rewrites the token file with `key` set (or removed) and expired entries dropped; written whole. */
function writeKept(file: string, key: string, token: KeptToken | undefined): void {
  const kept = Object.fromEntries(Object.entries(readKept(file)).filter(([k, t]) => k !== key && fresh(t)));
  if (token) kept[key] = token;
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(kept)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

function clientCredentials(login: ServicePrincipalLogin, origin: string, cacheFile?: string): TokenSource {
  const memory = new Map<string, KeptToken>();
  // Tokens read from the file: only those can be stale in a way a fresh request fixes.
  const fromFile = new Set<string>();
  const keyOf = (audience: string) => `${login.server}|${login.tenant}|${login.clientId}|${audience}`;
  return {
    origin,
    async token(audience) {
      const key = keyOf(audience);
      const inMemory = memory.get(key);
      if (fresh(inMemory)) return inMemory.accessToken;
      const onDisk = cacheFile ? readKept(cacheFile)[key] : undefined;
      if (fresh(onDisk)) {
        memory.set(key, onDisk);
        fromFile.add(key);
        return onDisk.accessToken;
      }
      const token = await requestToken(login, audience);
      memory.set(key, token);
      fromFile.delete(key);
      // A cache that cannot be written costs the next command a token request, nothing more.
      if (cacheFile) {
        try {
          writeKept(cacheFile, key, token);
        } catch {
          // keep going with the token in memory
        }
      }
      return token.accessToken;
    },
    forget(audience) {
      const key = keyOf(audience);
      if (!fromFile.delete(key)) return false;
      memory.delete(key);
      if (cacheFile) writeKept(cacheFile, key, undefined);
      return true;
    },
  };
}

/** The credentials to use against `server`, or undefined when none are found (calls then go without). */
export function resolveTokenSource(options: CredentialOptions): TokenSource | undefined {
  const { env, server } = options;
  const fixed = env.NIGHTSHIFT_ACCESS_TOKEN;
  if (fixed) return { origin: 'NIGHTSHIFT_ACCESS_TOKEN', token: () => Promise.resolve(fixed) };
  const profile = readProfile(env);
  if (profile && sameServer(profile.server, server)) {
    // Not kept between runs: a reset secret must stop a saved login at its next command.
    return clientCredentials({ ...profile, server }, `the login saved in ${profileFile(env)}`);
  }
  const dataDir = resolve(
    options.cwd ?? process.cwd(),
    options.dataDir ?? env.NIGHTSHIFT_DATA_DIR ?? '.nightshift',
  );
  const local = readLocalCredentials(dataDir);
  if (local) {
    return clientCredentials(
      { server, tenant: local.tenant, clientId: local.clientId, clientSecret: local.clientSecret },
      `the local owner credentials in ${dataDir}`,
      options.tokenCache,
    );
  }
  return undefined;
}
