/**
 * `nightshift datastore create|show|list`, as `az ml datastore`. Local folders and Azure Blob containers
 * (specs/datastore-spec.ts); `workspaceblobstore` and `workspaceartifactstore` are built in.
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
    'Create a datastore: a local folder or an Azure Blob container (or replace its definition).',
  );
  addSpecOptions(createCmd, 'datastore')
    .option('-n, --name <name>', 'datastore name; overrides the YAML name')
    .action(runAction(create, table));
  addResourceCommand(group, 'show', 'Show a datastore.')
    .option('-n, --name <name>', 'datastore name')
    .action(runAction(show, table));
  addResourceCommand(group, 'list', 'List the datastores of the workspace.').action(runAction(list, table));
  return group;
}
