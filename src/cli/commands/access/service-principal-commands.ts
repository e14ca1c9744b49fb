/**
 * `nightshift ad sp create-for-rbac|list|show|delete|credential reset`, as `az ad sp`. `create-for-rbac`
 * makes the principal and its role assignments in one go, the way pipelines are usually given access; the
 * role is checked before anything is created, and if an assignment is still refused the new principal is
 * deleted again, so a failed command leaves no credential nobody can use. `--id` takes the app id or the
 * object id, as az does.
 */
import type { Command } from 'commander';
import { requireRole } from '../../../auth/rbac/roles.ts';
import { CliError, type ApiClient } from '../../client.ts';
import {
  addResourceCommand,
  isNotFound,
  requireOption,
  runAction,
  segment,
  type CommandContext,
  type CommonOptions,
} from '../common.ts';
import {
  ACCESS_TABLES,
  CREDENTIAL_WARNING,
  createdCredentialView,
  resetCredentialView,
  servicePrincipalView,
  type ServicePrincipalRecord,
  type ServicePrincipalSecret,
} from './access-views.ts';

const BASE = '/nightshift/servicePrincipals';

interface CreateOptions extends CommonOptions {
  name?: string;
  displayName?: string;
  role?: string;
  scopes?: string[];
}

interface IdOptions extends CommonOptions {
  id?: string;
}

interface ListOptions extends CommonOptions {
  displayName?: string;
  all?: boolean;
}

async function listPrincipals(client: ApiClient): Promise<ServicePrincipalRecord[]> {
  return (await client.request<{ value: ServicePrincipalRecord[] }>('GET', BASE)).value;
}

/** The principal `--id` names: by app id directly, else by object id among all of them. */
async function findPrincipal(client: ApiClient, id: string): Promise<ServicePrincipalRecord> {
  try {
    return await client.request<ServicePrincipalRecord>('GET', `${BASE}/${segment(id)}`);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    const wanted = id.toLowerCase();
    const byObjectId = (await listPrincipals(client)).find((sp) => sp.objectId.toLowerCase() === wanted);
    if (byObjectId) return byObjectId;
    throw error;
  }
}

/** az's default name, `azure-cli-YYYY-MM-DD-HH-MM-SS`, with our prefix. */
export function defaultPrincipalName(now: Date): string {
  return `nightshift-sp-${now.toISOString().slice(0, 19).replace(/[T:]/g, '-')}`;
}

/** The role name to assign, checked before anything is created; throws on a usage mistake. */
export function plannedRole(options: { role?: string; scopes?: string[] }): string | undefined {
  if (options.role === undefined) {
    if ((options.scopes ?? []).length > 0) {
      throw new CliError('usage error: --scopes needs --role to say what to assign.', { exitCode: 2 });
    }
    return undefined;
  }
  return requireRole(options.role).name;
}

async function assignRoles(
  client: ApiClient,
  created: ServicePrincipalSecret,
  role: string,
  scopes: readonly string[],
): Promise<void> {
  try {
    for (const scope of scopes) {
      await client.request('POST', '/nightshift/roleAssignments', { assignee: created.appId, role, scope });
    }
  } catch (error) {
    const removed = await client.request('DELETE', `${BASE}/${segment(created.appId)}`).then(
      () => 'the new service principal was deleted again',
      () => `the new service principal ${created.appId} could not be deleted; delete it with 'ad sp delete'`,
    );
    throw new CliError(`Cannot assign role '${role}': ${(error as Error).message}; ${removed}.`, {
      exitCode: error instanceof CliError ? error.exitCode : 1,
    });
  }
}

async function createForRbac(options: CreateOptions, context: CommandContext) {
  const role = plannedRole(options);
  const displayName = options.name ?? options.displayName ?? defaultPrincipalName(new Date());
  const created = await context.client.request<ServicePrincipalSecret>('POST', BASE, { displayName });
  if (role !== undefined) {
    const scopes = options.scopes?.length ? options.scopes : [await context.workspacePath()];
    await assignRoles(context.client, created, role, scopes);
  }
  process.stderr.write(CREDENTIAL_WARNING);
  return createdCredentialView(created);
}

async function list(options: ListOptions, context: CommandContext) {
  const wanted = options.displayName?.toLowerCase();
  const all = await listPrincipals(context.client);
  // az matches --display-name as a prefix.
  const found =
    wanted === undefined ? all : all.filter((sp) => sp.displayName.toLowerCase().startsWith(wanted));
  return found.map(servicePrincipalView);
}

async function show(options: IdOptions, context: CommandContext) {
  return servicePrincipalView(await findPrincipal(context.client, requireOption(options.id, '--id')));
}

async function remove(options: IdOptions, context: CommandContext) {
  const sp = await findPrincipal(context.client, requireOption(options.id, '--id'));
  await context.client.request('DELETE', `${BASE}/${segment(sp.appId)}`);
  return undefined;
}

async function resetCredential(options: IdOptions, context: CommandContext) {
  const sp = await findPrincipal(context.client, requireOption(options.id, '--id'));
  const reset = await context.client.request<ServicePrincipalSecret>(
    'POST',
    `${BASE}/${segment(sp.appId)}/resetSecret`,
  );
  process.stderr.write(CREDENTIAL_WARNING);
  return resetCredentialView(reset);
}

export function registerServicePrincipalCommands(program: Command): void {
  const ad = program.command('ad').description('Manage the directory: service principals.');
  const sp = ad.command('sp').description('Manage service principals.');
  const table = ACCESS_TABLES.servicePrincipal;

  addResourceCommand(sp, 'create-for-rbac', 'Create a service principal and, with --role, assign it a role.')
    .option('-n, --name <name>', 'display name; default nightshift-sp-<time>')
    .option('--display-name <name>', 'the same as --name')
    .option('--role <role>', "role to assign, e.g. 'Batch Endpoint Invoker' (name or id)")
    .option('--scopes <scope...>', 'scopes to assign the role at; default the workspace')
    .action(runAction(createForRbac));

  addResourceCommand(sp, 'list', 'List service principals.')
    .option('--display-name <name>', 'only those whose display name starts with this')
    .option('--all', 'accepted for az compatibility; every principal is always listed')
    .action(runAction(list, table));

  addResourceCommand(sp, 'show', 'Show a service principal.')
    .option('--id <id>', 'app id or object id')
    .action(runAction(show, table));

  addResourceCommand(sp, 'delete', 'Delete a service principal and its role assignments.')
    .option('--id <id>', 'app id or object id')
    .action(runAction(remove));

  const credential = sp.command('credential').description("Manage a service principal's secret.");
  addResourceCommand(credential, 'reset', 'Replace the secret; the old one stops working at once.')
    .option('--id <id>', 'app id or object id')
    .action(runAction(resetCredential));
}
