/**
 * `nightshift identity create|list|show|delete`, as `az identity` for user-assigned identities. A managed
 * identity has no secret: a process on the server's host fetches its tokens from the IMDS endpoint by client
 * id, so the commands print only names and ids. Its `principalId` is what `role assignment create
 * --assignee` takes (the name works too).
 */
import type { Command } from 'commander';
import {
  addResourceCommand,
  requireOption,
  runAction,
  segment,
  type CommandContext,
  type CommonOptions,
} from '../common.ts';
import { ACCESS_TABLES, managedIdentityView, type ManagedIdentityRecord } from './access-views.ts';

const BASE = '/nightshift/managedIdentities';

interface NameOptions extends CommonOptions {
  name?: string;
}

async function create(options: NameOptions, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  const created = await context.client.request<ManagedIdentityRecord>('POST', BASE, { name });
  return managedIdentityView(created, await context.workspacePath());
}

async function list(_options: CommonOptions, context: CommandContext) {
  const { value } = await context.client.request<{ value: ManagedIdentityRecord[] }>('GET', BASE);
  const ws = await context.workspacePath();
  return value.map((mi) => managedIdentityView(mi, ws));
}

async function show(options: NameOptions, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  const found = await context.client.request<ManagedIdentityRecord>('GET', `${BASE}/${segment(name)}`);
  return managedIdentityView(found, await context.workspacePath());
}

async function remove(options: NameOptions, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  await context.client.request('DELETE', `${BASE}/${segment(name)}`);
  return undefined;
}

export function registerIdentityCommands(program: Command): void {
  const group = program.command('identity').description('Manage managed identities.');
  const table = ACCESS_TABLES.identity;
  const nameOption = (command: Command) => command.option('-n, --name <name>', 'identity name');

  nameOption(addResourceCommand(group, 'create', 'Create a managed identity.')).action(
    runAction(create, table),
  );
  addResourceCommand(group, 'list', 'List managed identities.').action(runAction(list, table));
  nameOption(addResourceCommand(group, 'show', 'Show a managed identity.')).action(runAction(show, table));
  nameOption(
    addResourceCommand(group, 'delete', 'Delete a managed identity and its role assignments.'),
  ).action(runAction(remove));
}
