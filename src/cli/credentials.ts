/**
 * Where the CLI (and the test and bench clients) get bearer tokens, in this order:
 * 1. `NIGHTSHIFT_ACCESS_TOKEN`: a token obtained elsewhere, sent as it is;
 * 2. the profile `nightshift login --service-principal` saved for this server;
 * 3. the local owner's `credentials.json` in the server's data dir (`--data-dir`, `NIGHTSHIFT_DATA_DIR`, or
 *    `./.nightshift` as `nightshift serve` uses), so on the server's own machine nobody has to log in.
 * Tokens are fetched the documented way (client credentials at the token endpoint) and kept per audience
 * until shortly before they expire.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readLocalCredentials } from '../auth/local-owner.ts';

export interface TokenSource {
  /** How the credentials were found, for error hints. */
  readonly origin: string;
  token(audience: string): Promise<string>;
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
}

/** Seconds before expiry at which a cached token is renewed. */
const RENEW_BEFORE_SECONDS = 120;

export function profileFile(env: Record<string, string | undefined>): string {
  return join(env.NIGHTSHIFT_CONFIG_DIR ?? join(homedir(), '.nightshift'), 'profile.json');
}

const sameServer = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

export function readProfile(env: Record<string, string | undefined>): ServicePrincipalLogin | undefined {
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

function clientCredentials(login: ServicePrincipalLogin, origin: string): TokenSource {
  const cache = new Map<string, { accessToken: string; expiresOn: number }>();
  return {
    origin,
    async token(audience) {
      const cached = cache.get(audience);
      if (cached && cached.expiresOn - RENEW_BEFORE_SECONDS > Date.now() / 1000) return cached.accessToken;
      const fresh = await requestToken(login, audience);
      cache.set(audience, fresh);
      return fresh.accessToken;
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
    );
  }
  return undefined;
}
