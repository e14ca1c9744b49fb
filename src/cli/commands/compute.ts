/**
 * `nightshift compute create|show|list|delete|list-nodes`, as `az ml compute` works for AmlCompute
 * clusters. In embedded mode a compute's nodes are the server's live worker processes serving the jobs
 * of deployments bound to it, and `max_instances` caps the instances (nodes) each of those jobs gets.
 */
import type { Command } from 'commander';
import { loadYamlSpec } from '../../core/spec/yaml-source.ts';
import { COMPUTE_NODE_TABLE, COMPUTE_TABLE, computeEntity, computeNodeEntity } from '../compute-entity.ts';
import { computeRequest } from '../specs/compute-spec.ts';
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
interface DeleteOptions extends NameOptions {
  yes?: boolean;
}

async function computePath(context: CommandContext, name: string): Promise<string> {
  return `${await context.workspacePath()}/computes/${segment(name)}`;
}

async function create(options: NameOptions & SpecOptions, context: CommandContext) {
  const file = requireOption(options.file, '--file/-f');
  const { name, body } = computeRequest(loadYamlSpec(file, options.set ?? []), options.name);
  return computeEntity(await context.client.request('PUT', await computePath(context, name), body));
}

async function show(options: NameOptions, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  return computeEntity(await context.client.request('GET', await computePath(context, name)));
}

async function list(_options: CommonOptions, context: CommandContext) {
  return (await listAll(context.client, `${await context.workspacePath()}/computes`)).map(computeEntity);
}

async function listNodes(options: NameOptions, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  const path = `${await computePath(context, name)}/listNodes`;
  const answer = await context.client.request<{ nodes?: unknown[] }>('POST', path);
  return (answer.nodes ?? []).map(computeNodeEntity);
}

async function remove(options: DeleteOptions, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  const path = await computePath(context, name);
  await context.client.request('GET', path);
  await confirmDeletion(`Delete compute '${name}'?`, options.yes);
  await context.client.request('DELETE', path);
  return undefined;
}

export function registerComputeCommands(program: Command): Command {
  const group = program.command('compute').description('Manage computes (AmlCompute clusters).');
  const createCmd = addResourceCommand(group, 'create', 'Create a compute (or replace its definition).');
  addSpecOptions(createCmd, 'compute')
    .option('-n, --name <name>', 'compute name; overrides the YAML name')
    .action(runAction(create, COMPUTE_TABLE));
  addNoWaitOption(createCmd);
  addResourceCommand(group, 'show', 'Show a compute.')
    .option('-n, --name <name>', 'compute name')
    .action(runAction(show, COMPUTE_TABLE));
  addResourceCommand(group, 'list', 'List the computes of the workspace.').action(
    runAction(list, COMPUTE_TABLE),
  );
  addResourceCommand(
    group,
    'list-nodes',
    "List a compute's nodes: the live worker processes serving its jobs.",
  )
    .option('-n, --name <name>', 'compute name')
    .action(runAction(listNodes, COMPUTE_NODE_TABLE));
  const deleteCmd = addResourceCommand(group, 'delete', 'Delete a compute no deployment uses.')
    .option('-n, --name <name>', 'compute name')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(runAction(remove));
  addNoWaitOption(deleteCmd);
  return group;
}
