/**
 * `nightshift account get-access-token` and `nightshift account show`, as az's. Both use the credentials
 * every other command would use against `--server` (NIGHTSHIFT_ACCESS_TOKEN, then the saved login, then
 * the local owner of `--data-dir`), so `$(nightshift account get-access-token --query accessToken -o tsv)`
 * gives a script exactly the identity its other commands run as.
 */
import type { Command } from 'commander';
import { MANAGEMENT_AUDIENCE } from '../../../auth/audiences.ts';
import { CliError } from '../../client.ts';
import { addCommonOptions, type CommonOptions } from '../common.ts';
import {
  managementClaims,
  requireTokenSource,
  runCredentialAction,
  tokenFrom,
  userOf,
  workspaceInfo,
  type AccessEnv,
} from './credential-action.ts';
import { DEFAULT_TENANT } from '../../../auth/tokens/discovery.ts';
import { accessTokenView, decodeTokenClaims, type AccessTokenView } from './token-claims.ts';

interface TokenOptions extends CommonOptions {
  resource?: string;
  scope?: string[];
}

const DEFAULT_SUFFIX = '/.default';

/** The resource a token is wanted for: `--resource R`, `--scope R/.default`, or the management API. */
export function requestedResource(options: { resource?: string; scope?: string[] }): string {
  const scopes = options.scope ?? [];
  if (options.resource !== undefined && scopes.length > 0) {
    throw new CliError('usage error: --resource and --scope cannot be used together.', { exitCode: 2 });
  }
  if (scopes.length === 0) return options.resource ?? MANAGEMENT_AUDIENCE;
  const [scope] = scopes;
  if (scopes.length > 1 || scope === undefined || !scope.endsWith(DEFAULT_SUFFIX)) {
    throw new CliError(
      `usage error: --scope takes one scope ending in '${DEFAULT_SUFFIX}' (service principals get ` +
        `application permissions only), e.g. https://ml.azure.com/.default; got '${scopes.join(' ')}'.`,
      { exitCode: 2 },
    );
  }
  return scope.slice(0, -DEFAULT_SUFFIX.length);
}

const sameResource = (a: string, b: string) =>
  a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();

async function getAccessToken(options: TokenOptions, env: AccessEnv): Promise<AccessTokenView> {
  const resource = requestedResource(options);
  const fixed = env.NIGHTSHIFT_ACCESS_TOKEN;
  if (fixed) {
    // A token handed in cannot be exchanged for another resource; say so rather than fail.
    const audience = decodeTokenClaims(fixed).aud;
    if (audience !== undefined && !sameResource(audience, resource)) {
      process.stderr.write(
        `WARNING: NIGHTSHIFT_ACCESS_TOKEN is set; its token is for '${audience}', not '${resource}'.\n`,
      );
    }
    return accessTokenView(fixed, DEFAULT_TENANT);
  }
  const source = requireTokenSource(options, env);
  return accessTokenView(await tokenFrom(source, resource), DEFAULT_TENANT);
}

async function show(options: CommonOptions, env: AccessEnv) {
  const source = requireTokenSource(options, env);
  const claims = await managementClaims(source);
  const info = await workspaceInfo(options.server);
  const tenantId = claims.tid ?? DEFAULT_TENANT;
  return {
    environmentName: 'Nightshift',
    homeTenantId: tenantId,
    id: info.subscriptionId,
    isDefault: true,
    managedByTenants: [],
    name: info.workspace,
    state: 'Enabled',
    tenantId,
    user: { ...userOf(claims), objectId: claims.oid ?? '', displayName: claims.name ?? '' },
    server: options.server.replace(/\/+$/, ''),
    credentialSource: source.origin,
  };
}

export function registerAccountCommands(program: Command, env: AccessEnv): void {
  const group = program.command('account').description('Show the signed-in identity and get its tokens.');
  addCommonOptions(
    group
      .command('get-access-token')
      .description('Print an access token for a resource, as the signed-in identity.'),
  )
    .option('--resource <resource>', `resource (audience) of the token; default ${MANAGEMENT_AUDIENCE}`)
    .option('--scope <scope...>', 'the resource as a scope, e.g. https://ml.azure.com/.default')
    .action(runCredentialAction((options: TokenOptions) => getAccessToken(options, env)));

  addCommonOptions(
    group.command('show').description('Show who the commands run as and where the credentials come from.'),
  ).action(runCredentialAction((options: CommonOptions) => show(options, env)));
}
