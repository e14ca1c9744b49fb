/**
 * Credentials in tests, found the way a user's CLI finds them: the local owner's `credentials.json` in the
 * server's data dir. Each helper that starts a server remembers its data dir by URL, so clients built
 * later from just a URL (REST client, CLI runs) act as that server's local owner without further set-up.
 */
import { requestToken, resolveTokenSource, type TokenSource } from '../../src/cli/credentials.ts';
import { audienceForPath } from '../../src/auth/audiences.ts';

const dataDirs = new Map<string, string>();

export function rememberDataDir(url: string, dataDir: string): void {
  dataDirs.set(url.replace(/\/+$/, ''), dataDir);
}

export function dataDirOf(url: string): string | undefined {
  return dataDirs.get(url.replace(/\/+$/, ''));
}

/** The local owner's token source for a server started by a test helper (undefined if unknown). */
export function ownerTokens(url: string): TokenSource | undefined {
  const dataDir = dataDirOf(url);
  return dataDir === undefined ? undefined : resolveTokenSource({ server: url, env: {}, dataDir });
}

/** `{authorization: 'Bearer ...'}` for a path of the server, or {} when there are no credentials. */
export async function authHeader(
  tokens: TokenSource | undefined,
  path: string,
): Promise<Record<string, string>> {
  return tokens ? { authorization: `Bearer ${await tokens.token(audienceForPath(path))}` } : {};
}

/** Tokens of a service principal, fetched from the server's token endpoint with its secret. */
export function servicePrincipalTokens(url: string, appId: string, secret: string): TokenSource {
  return resolveFixed(async (audience) => {
    const { accessToken } = await requestToken(
      { server: url, tenant: 'nightshift', clientId: appId, clientSecret: secret },
      audience,
    );
    return accessToken;
  }, `service principal ${appId}`);
}

/**
 * The tokens `source` gives, each fetched once per audience and kept: a principal's secret is checked with
 * scrypt (slow on purpose), and a principal deleted later still holds the tokens it was given.
 */
export function keptTokens(source: TokenSource): TokenSource {
  const kept = new Map<string, Promise<string>>();
  return {
    origin: source.origin,
    token(audience) {
      const token = kept.get(audience) ?? source.token(audience);
      kept.set(audience, token);
      return token;
    },
  };
}

/** Tokens of a managed identity, fetched from the server's IMDS endpoint as a process on the host would. */
export function managedIdentityTokens(url: string, clientId?: string): TokenSource {
  return resolveFixed(
    async (audience) => {
      const query = new URLSearchParams({ 'api-version': '2018-02-01', resource: audience });
      if (clientId !== undefined) query.set('client_id', clientId);
      const response = await fetch(`${url}/metadata/identity/oauth2/token?${query.toString()}`, {
        headers: { Metadata: 'true' },
      });
      const body = (await response.json()) as { access_token?: string };
      if (!response.ok || body.access_token === undefined)
        throw new Error(`IMDS refused: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    `managed identity ${clientId ?? 'system'}`,
  );
}

function resolveFixed(get: (audience: string) => Promise<string>, origin: string): TokenSource {
  return { origin, token: get };
}
