/**
 * `nightshift batch-endpoint create|update|show|list|delete`, flag for flag as `az ml batch-endpoint`.
 * YAML becomes the ARM body client-side (specs/endpoint-spec.ts); results print as az's entity
 * (entities.ts). `update` without `--file` starts from the endpoint as it is and applies `--set`, so
 * `update -n E --set defaults.deployment_name=D` works as in az.
 */
import type { Command } from 'commander';
import { loadYamlSpec } from '../../core/spec/yaml-source.ts';
import { endpointEntity, TABLES } from '../entities.ts';
import { documentSource } from '../specs/document-source.ts';
import { endpointRequest, endpointSpecDocument } from '../specs/endpoint-spec.ts';
import {
  addNoWaitOption,
  addResourceCommand,
  addSpecOptions,
  confirmDeletion,
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
type WriteOptions = NameOptions & SpecOptions;
interface DeleteOptions extends NameOptions {
  yes?: boolean;
}

async function endpointPath(context: CommandContext, name: string): Promise<string> {
  return `${await context.workspacePath()}/batchEndpoints/${segment(name)}`;
}

async function create(options: WriteOptions, context: CommandContext) {
  const source = options.file
    ? loadYamlSpec(options.file, options.set ?? [])
    : documentSource({}, 'command line', options.set ?? []);
  const { name, body } = endpointRequest(source, options.name?.toLowerCase());
  return endpointEntity(await context.client.request('PUT', await endpointPath(context, name), body));
}

async function update(options: WriteOptions, context: CommandContext) {
  const name = options.file ? options.name : requireOption(options.name, '--name/-n (or --file/-f)');
  const fileSource = options.file ? loadYamlSpec(options.file, options.set ?? []) : undefined;
  const target = name ?? endpointRequest(fileSource ?? documentSource({}, 'command line')).name;
  // The endpoint must exist: update never creates.
  const current = endpointEntity(await context.client.request('GET', await endpointPath(context, target)));
  const source =
    fileSource ??
    documentSource(endpointSpecDocument(current), `batch endpoint '${current.name}'`, options.set ?? []);
  const { body } = endpointRequest(source, current.name);
  return endpointEntity(await context.client.request('PUT', await endpointPath(context, current.name), body));
}

async function show(options: NameOptions, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  return endpointEntity(await context.client.request('GET', await endpointPath(context, name)));
}

async function list(_options: CommonOptions, context: CommandContext) {
  const items = await listAll(context.client, `${await context.workspacePath()}/batchEndpoints`);
  return items.map(endpointEntity);
}

async function remove(options: DeleteOptions, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  const path = await endpointPath(context, name);
  await context.client.request('GET', path);
  await confirmDeletion(`Delete batch endpoint '${name}' and all its deployments?`, options.yes);
  await context.client.request('DELETE', path);
  return undefined;
}

/** Registers `batch-endpoint` and its subcommands; returns the group so more subcommands can be added. */
export function registerBatchEndpointCommands(program: Command): Command {
  const group = program.command('batch-endpoint').description('Manage batch endpoints.');
  const table = TABLES.endpoint;

  const createCmd = addResourceCommand(
    group,
    'create',
    'Create a batch endpoint (or replace its definition).',
  );
  addSpecOptions(createCmd, 'batch endpoint')
    .option('-n, --name <name>', 'endpoint name; overrides the YAML name and is lower-cased')
    .action(runAction(create, table));
  addNoWaitOption(createCmd);

  const updateCmd = addResourceCommand(
    group,
    'update',
    'Update a batch endpoint: description, tags and defaults.',
  );
  addSpecOptions(updateCmd, 'batch endpoint')
    .option('-n, --name <name>', 'endpoint name')
    .action(runAction(update, table));
  addNoWaitOption(updateCmd);

  addResourceCommand(group, 'show', 'Show a batch endpoint.')
    .option('-n, --name <name>', 'endpoint name')
    .action(runAction(show, table));

  addResourceCommand(group, 'list', 'List the batch endpoints of the workspace.').action(
    runAction(list, table),
  );

  const deleteCmd = addResourceCommand(
    group,
    'delete',
    'Delete a batch endpoint and its deployments (jobs are kept).',
  )
    .option('-n, --name <name>', 'endpoint name')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(runAction(remove));
  addNoWaitOption(deleteCmd);
  return group;
}
