/**
 * `nightshift role assignment create|list|delete` and `nightshift role definition list`, as `az role`.
 * Scopes are ARM ids: the workspace (the default), an endpoint under it, or a parent such as the
 * subscription. The server answers in az's shapes; this module builds requests and narrows lists the ways
 * az's flags do (`--include-inherited`, `--name`).
 */
import type { Command } from 'commander';
import { CliError } from '../../client.ts';
import { addResourceCommand, runAction, type CommandContext, type CommonOptions } from '../common.ts';
import { ACCESS_TABLES } from './access-views.ts';

const ASSIGNMENTS = '/nightshift/roleAssignments';

interface AssignmentOptions extends CommonOptions {
  assignee?: string;
  assigneeObjectId?: string;
  role?: string;
  scope?: string;
}

interface ListOptions extends AssignmentOptions {
  all?: boolean;
  includeInherited?: boolean;
}

interface DeleteOptions extends AssignmentOptions {
  ids?: string[];
}

interface Assignment {
  name: string;
  scope: string;
}

const trimScope = (scope: string) => scope.trim().replace(/\/+$/, '').toLowerCase();

/** True when an assignment at `assigned` applies at `scope`: the same scope or a parent of it. */
export function coversScope(assigned: string, scope: string): boolean {
  const parent = trimScope(assigned);
  const child = trimScope(scope);
  return parent === '' || parent === child || child.startsWith(`${parent}/`);
}

function assigneeOf(options: AssignmentOptions): string | undefined {
  if (options.assignee !== undefined && options.assigneeObjectId !== undefined) {
    throw new CliError('usage error: give --assignee or --assignee-object-id, not both.', { exitCode: 2 });
  }
  return options.assignee ?? options.assigneeObjectId;
}

async function create(options: AssignmentOptions, context: CommandContext) {
  const assignee = assigneeOf(options);
  if (assignee === undefined || options.role === undefined) {
    throw new CliError('the following arguments are required: --assignee (or --assignee-object-id), --role', {
      exitCode: 2,
    });
  }
  const scope = options.scope ?? (await context.workspacePath());
  return context.client.request('POST', ASSIGNMENTS, { assignee, role: options.role, scope });
}

async function list(options: ListOptions, context: CommandContext) {
  if (options.all && options.scope !== undefined) {
    throw new CliError('usage error: --all cannot be used with --scope.', { exitCode: 2 });
  }
  const assignee = assigneeOf(options);
  // Inherited assignments sit at other scopes, so the scope is applied here rather than by the server.
  const serverScope = options.includeInherited ? undefined : options.scope;
  const query = new URLSearchParams();
  if (assignee !== undefined) query.set('assignee', assignee);
  if (options.role !== undefined) query.set('role', options.role);
  if (serverScope !== undefined) query.set('scope', serverScope);
  const suffix = query.size > 0 ? `?${query.toString()}` : '';
  const { value } = await context.client.request<{ value: Assignment[] }>('GET', `${ASSIGNMENTS}${suffix}`);
  const { scope } = options;
  if (!options.includeInherited || scope === undefined) return value;
  return value.filter((a) => coversScope(a.scope, scope));
}

async function remove(options: DeleteOptions, context: CommandContext) {
  const ids = options.ids ?? [];
  const assignee = assigneeOf(options);
  const filtered = assignee !== undefined || options.role !== undefined || options.scope !== undefined;
  if (ids.length > 0 && filtered) {
    throw new CliError('usage error: --ids cannot be combined with --assignee, --role or --scope.', {
      exitCode: 2,
    });
  }
  if (ids.length === 0 && !filtered) {
    throw new CliError('usage error: give --ids, or --assignee with --role and/or --scope.', { exitCode: 2 });
  }
  const requests =
    ids.length > 0 ? ids.map((id) => ({ id })) : [{ assignee, role: options.role, scope: options.scope }];
  let deleted = 0;
  for (const body of requests) {
    const answer = await context.client.request<{ value: Assignment[] }>(
      'POST',
      `${ASSIGNMENTS}/delete`,
      body,
    );
    deleted += answer.value.length;
  }
  if (deleted === 0) process.stderr.write('WARNING: No matched assignments were found to delete\n');
  return undefined;
}

interface RoleDefinition {
  id: string;
  name: string;
  roleName: string;
}

async function listDefinitions(options: CommonOptions & { name?: string }, context: CommandContext) {
  const { value } = await context.client.request<{ value: RoleDefinition[] }>(
    'GET',
    '/nightshift/roleDefinitions',
  );
  const wanted = options.name?.toLowerCase();
  if (wanted === undefined) return value;
  return value.filter((r) => [r.roleName, r.name, r.id].some((v) => v.toLowerCase() === wanted));
}

function assigneeOptions(command: Command): Command {
  return command
    .option('--assignee <assignee>', 'app id or object id of a service principal, or a managed identity name')
    .option('--assignee-object-id <id>', 'object id of the assignee')
    .option('--role <role>', "role name or id, e.g. 'Batch Endpoint Invoker'");
}

function registerAssignmentCommands(role: Command): void {
  const group = role.command('assignment').description('Manage role assignments.');
  const table = ACCESS_TABLES.roleAssignment;
  assigneeOptions(addResourceCommand(group, 'create', 'Assign a role to a principal at a scope.'))
    .option('--scope <scope>', 'ARM id to assign at; default the workspace')
    .option('--assignee-principal-type <type>', 'accepted for az compatibility; the server knows the type')
    .action(runAction(create, table));
  assigneeOptions(addResourceCommand(group, 'list', 'List role assignments.'))
    .option('--scope <scope>', 'only assignments at this scope')
    .option('--include-inherited', 'with --scope, also assignments at its parent scopes')
    .option('--all', 'assignments at every scope (the default without --scope)')
    .action(runAction(list, table));
  assigneeOptions(addResourceCommand(group, 'delete', 'Delete role assignments by id or by filter.'))
    .option('--ids <id...>', 'role assignment ids (or names)')
    .option('--scope <scope>', 'only assignments at this scope')
    .option('-y, --yes', 'accepted for az compatibility; nothing is asked')
    .action(runAction(remove));
}

export function registerRoleCommands(program: Command): void {
  const role = program.command('role').description('Manage role assignments and list role definitions.');
  registerAssignmentCommands(role);
  const definition = role.command('definition').description('List role definitions.');
  addResourceCommand(definition, 'list', 'List the built-in roles.')
    .option('-n, --name <role>', 'only the role with this name or id')
    .action(runAction(listDefinitions, ACCESS_TABLES.roleDefinition));
}
