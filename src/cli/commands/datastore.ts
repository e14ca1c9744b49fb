/**
 * `nightshift datastore create|show|list`, as `az ml datastore`: local folders, Azure Blob containers, ADLS
 * Gen2 file systems and S3 buckets (specs/datastore-spec.ts); `workspaceblobstore` and
 * `workspaceartifactstore` are built in. `list-secrets` prints a datastore's stored secret (Azure's
 * listSecrets, which only roles with `datastores/listsecrets/action` may call): the one command that shows
 * a secret, and only when asked by name.
 */
import type { Command } from 'commander';
import { loadYamlSpec } from '../../core/spec/yaml-source.ts';
import { datastoreEntity, TABLES } from '../entities.ts';
import { datastoreRequest } from '../specs/datastore-spec.ts';
import {
  addResourceCommand,
  addSpecOptions,
  listAll,
  requireOption,
  runAction,
  segment,
  type CommandContext,
  type CommonOptions,
  type SpecOptions,
} from './common.ts';

interface NameOptions extends CommonOptions {
  name?: string;
}

async function create(options: NameOptions & SpecOptions, context: CommandContext) {
  const file = requireOption(options.file, '--file/-f');
  const { name, body } = datastoreRequest(loadYamlSpec(file, options.set ?? []), options.name);
  const path = `${await context.workspacePath()}/datastores/${segment(name)}`;
  return datastoreEntity(await context.client.request('PUT', path, body));
}

async function show(options: NameOptions, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  return datastoreEntity(
    await context.client.request('GET', `${await context.workspacePath()}/datastores/${segment(name)}`),
  );
}

/** Azure's DatastoreSecrets answer with az's snake_case keys (`secrets_type`, `sas_token`, ...). */
async function listSecrets(options: NameOptions, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  const path = `${await context.workspacePath()}/datastores/${segment(name)}/listSecrets`;
  const answer = await context.client.request('POST', path);
  const out: Record<string, unknown> = { name };
  for (const [key, value] of Object.entries(answer as Record<string, unknown>)) {
    out[key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()] = value;
  }
  return out;
}

async function list(_options: CommonOptions, context: CommandContext) {
  return (await listAll(context.client, `${await context.workspacePath()}/datastores`)).map(datastoreEntity);
}

/** Registers `datastore` and its subcommands; returns the group so more subcommands can be added. */
export function registerDatastoreCommands(program: Command): Command {
  const group = program.command('datastore').description('Manage datastores.');
  const table = TABLES.datastore;
  const createCmd = addResourceCommand(
    group,
    'create',
    'Create a datastore: a local folder, an Azure Blob container, an ADLS Gen2 file system or an S3 ' +
      'bucket (or replace its definition).',
  );
  addSpecOptions(createCmd, 'datastore')
    .option('-n, --name <name>', 'datastore name; overrides the YAML name')
    .action(runAction(create, table));
  addResourceCommand(group, 'show', 'Show a datastore.')
    .option('-n, --name <name>', 'datastore name')
    .action(runAction(show, table));
  addResourceCommand(group, 'list', 'List the datastores of the workspace.').action(runAction(list, table));
  addResourceCommand(
    group,
    'list-secrets',
    "Print a datastore's stored secret (account key, SAS token, client secret or secret access key).",
  )
    .option('-n, --name <name>', 'datastore name')
    .action(runAction(listSecrets));
  return group;
}
