/**
 * `nightshift login --service-principal -u APP_ID -p SECRET --tenant T` and `nightshift logout`, as
 * `az login` / `az logout`. Login proves the secret by fetching a real token before anything is saved, so a
 * typo fails here and not at the next command; the profile it saves is what every later command against the
 * same server uses (credentials.ts). The printed account never contains the secret.
 */
import type { Command } from 'commander';
import { MANAGEMENT_AUDIENCE } from '../../../auth/audiences.ts';
import { CliError } from '../../client.ts';
import { DEFAULT_TENANT } from '../../../auth/tokens/discovery.ts';
import { profileFile, removeProfile, requestToken, saveProfile } from '../../credentials.ts';
import { addCommonOptions, requireOption, type CommonOptions } from '../common.ts';
import { runCredentialAction, workspaceInfo, type AccessEnv } from './credential-action.ts';
import { clientIdOf, decodeTokenClaims } from './token-claims.ts';

interface LoginOptions extends CommonOptions {
  servicePrincipal?: boolean;
  username?: string;
  password?: string;
  tenant: string;
}

/** One entry of az's login answer. */
export interface LoginAccount {
  cloudName: 'Nightshift';
  homeTenantId: string;
  id: string;
  isDefault: true;
  managedByTenants: never[];
  name: string;
  state: 'Enabled';
  tenantId: string;
  user: { name: string; type: 'servicePrincipal' };
}

/** Why a token request failed, in words: unreachable server, or the token endpoint's own refusal. */
function tokenFailure(error: unknown, server: string): CliError {
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  if (error instanceof TypeError && cause !== undefined) {
    return new CliError(`Cannot reach the Nightshift server at ${server} (${cause}).`);
  }
  return new CliError((error as Error).message);
}

async function login(options: LoginOptions, env: AccessEnv): Promise<LoginAccount[]> {
  if (!options.servicePrincipal) {
    throw new CliError(
      'Nightshift signs in service principals only: pass --service-principal -u APP_ID -p SECRET --tenant TENANT.',
      { exitCode: 2 },
    );
  }
  const server = options.server.replace(/\/+$/, '');
  const profile = {
    server,
    tenant: options.tenant,
    clientId: requireOption(options.username, '--username/-u'),
    clientSecret: requireOption(options.password, '--password/-p'),
  };
  const token = await requestToken(profile, MANAGEMENT_AUDIENCE).catch((error: unknown) => {
    throw tokenFailure(error, server);
  });
  const claims = decodeTokenClaims(token.accessToken);
  const info = await workspaceInfo(server);
  saveProfile(env, profile);
  if (env.NIGHTSHIFT_ACCESS_TOKEN) {
    process.stderr.write(
      'WARNING: NIGHTSHIFT_ACCESS_TOKEN is set and takes precedence over this login until it is unset.\n',
    );
  }
  const tenantId = claims.tid ?? options.tenant;
  return [
    {
      cloudName: 'Nightshift',
      homeTenantId: tenantId,
      id: info.subscriptionId,
      isDefault: true,
      managedByTenants: [],
      name: info.workspace,
      state: 'Enabled',
      tenantId,
      user: { name: clientIdOf(claims) ?? profile.clientId, type: 'servicePrincipal' },
    },
  ];
}

function logout(env: AccessEnv): Promise<undefined> {
  const file = profileFile(env);
  if (!removeProfile(env)) {
    throw new CliError(`There is no saved login to remove (looked for ${file}).`);
  }
  return Promise.resolve(undefined);
}

export function registerLoginCommands(program: Command, env: AccessEnv): void {
  addCommonOptions(
    program
      .command('login')
      .description('Sign in as a service principal; later commands against this server use it.'),
  )
    .option('--service-principal', 'sign in with the app id and secret of a service principal')
    .option('-u, --username <appId>', 'application (client) id of the service principal')
    .option('-p, --password <secret>', 'client secret of the service principal')
    .option('-t, --tenant <tenant>', "the server's tenant", DEFAULT_TENANT)
    .action(runCredentialAction((options: LoginOptions) => login(options, env)));

  addCommonOptions(program.command('logout').description('Forget the saved login.')).action(
    runCredentialAction(() => logout(env)),
  );
}
