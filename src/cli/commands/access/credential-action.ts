/**
 * What the commands about the caller's own credentials (`login`, `logout`, `account ...`) share. Unlike the
 * resource commands they work on a token source or the saved profile rather than through an API client
 * that already holds credentials, so they get the environment handed in (the composition root reads it
 * once) and print through the same output path as every other command.
 */
import { MANAGEMENT_AUDIENCE } from '../../../auth/audiences.ts';
import { CliError, createApiClient } from '../../client.ts';
import { resolveTokenSource, tokenCacheFile, type TokenSource } from '../../credentials.ts';
import type { TableSpec } from '../../output/table.ts';
import { outputFormat, printResult, type CommonOptions } from '../common.ts';
import { clientIdOf, decodeTokenClaims, type TokenClaims } from './token-claims.ts';

/** The process environment, as the CLI's composition root passes it. */
export type AccessEnv = Readonly<Record<string, string | undefined>>;

/** The workspace a server hosts, from its public `/info`. */
export interface WorkspaceInfo {
  subscriptionId: string;
  workspace: string;
}

/** Like `runAction`, for handlers that manage credentials themselves instead of using an API client. */
export function runCredentialAction<O extends CommonOptions>(
  handler: (options: O) => Promise<unknown>,
  table?: TableSpec,
): (options: O) => Promise<void> {
  return async (options: O) => {
    outputFormat(options);
    printResult(await handler(options), options, table);
  };
}

/** The credentials every command would use against `--server`; refuses when there are none. */
export function requireTokenSource(
  options: Pick<CommonOptions, 'server' | 'dataDir'>,
  env: AccessEnv,
): TokenSource {
  const source = resolveTokenSource({
    server: options.server,
    env,
    dataDir: options.dataDir,
    tokenCache: tokenCacheFile(env),
  });
  if (!source) {
    throw new CliError(
      `No credentials for ${options.server}. Log in with 'nightshift login --service-principal -u APP_ID ` +
        "-p SECRET --tenant TENANT', or pass the server's data dir with --data-dir to act as its local owner.",
    );
  }
  return source;
}

/** A token for `audience` from `source`, with the origin named when it cannot be had. */
export async function tokenFrom(source: TokenSource, audience: string): Promise<string> {
  try {
    return await source.token(audience);
  } catch (error) {
    throw new CliError(`Cannot get a token from ${source.origin}: ${(error as Error).message}`);
  }
}

/** The subscription and workspace names of the server (its `/info` needs no token). */
export async function workspaceInfo(server: string): Promise<WorkspaceInfo> {
  const info = await createApiClient(server).request<{ workspaceId?: string; workspace?: string }>(
    'GET',
    '/info',
  );
  const id = info.workspaceId ?? '';
  const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? '';
  return { subscriptionId, workspace: info.workspace ?? /\/workspaces\/([^/]+)/i.exec(id)?.[1] ?? '' };
}

/** az's `user` block: who the token stands for. */
export function userOf(claims: TokenClaims): { name: string; type: 'servicePrincipal' | 'user' } {
  return {
    name: clientIdOf(claims) ?? claims.oid ?? '',
    type: claims.idtyp === 'user' ? 'user' : 'servicePrincipal',
  };
}

/** The management token of a source, decoded: what `account show` and `login` describe. */
export async function managementClaims(source: TokenSource): Promise<TokenClaims> {
  return decodeTokenClaims(await tokenFrom(source, MANAGEMENT_AUDIENCE));
}
