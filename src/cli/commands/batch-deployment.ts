/**
 * `nightshift batch-deployment create|update|show|list|delete`, flag for flag as `az ml batch-deployment`.
 * The YAML is read and validated in full before anything is uploaded or registered
 * (specs/deployment-spec.ts). `--set-default` makes the deployment its endpoint's default once it exists.
 */
import type { Command } from 'commander';
import { loadYamlSpec } from '../../core/spec/yaml-source.ts';
import { deploymentEntity, TABLES } from '../entities.ts';
import { createAssetRegistrar } from '../specs/asset-registrar.ts';
import {
  deploymentRequest,
  deploymentSpecDocument,
  readDeploymentSpec,
  type DeploymentSpec,
} from '../specs/deployment-spec.ts';
import { documentSource } from '../specs/document-source.ts';
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

interface TargetOptions extends CommonOptions {
  name?: string;
  endpointName?: string;
}
interface WriteOptions extends TargetOptions, SpecOptions {
  setDefault?: boolean;
}
interface DeleteOptions extends TargetOptions {
  yes?: boolean;
}

async function endpointPath(context: CommandContext, endpoint: string): Promise<string> {
  return `${await context.workspacePath()}/batchEndpoints/${segment(endpoint)}`;
}

async function deploymentPath(context: CommandContext, endpoint: string, name: string): Promise<string> {
  return `${await endpointPath(context, endpoint)}/deployments/${segment(name)}`;
}

/** Builds the body (registering inline assets), PUTs it, and sets the endpoint default if asked. */
async function apply(spec: DeploymentSpec, options: WriteOptions, context: CommandContext) {
  const ws = await context.workspacePath();
  // Check the endpoint first, so a typo in its name does not leave freshly registered assets behind.
  await context.client.request('GET', await endpointPath(context, spec.endpointName));
  const body = await deploymentRequest(spec, createAssetRegistrar(context.client), ws);
  const arm = await context.client.request(
    'PUT',
    await deploymentPath(context, spec.endpointName, spec.name),
    body,
  );
  const entity = deploymentEntity(arm);
  if (options.setDefault) {
    await context.client.request('PATCH', await endpointPath(context, spec.endpointName), {
      properties: { defaults: { deploymentName: entity.name } },
    });
  }
  return entity;
}

async function create(options: WriteOptions, context: CommandContext) {
  const file = requireOption(options.file, '--file/-f');
  const spec = readDeploymentSpec(loadYamlSpec(file, options.set ?? []), options);
  return apply(spec, options, context);
}

async function update(options: WriteOptions, context: CommandContext) {
  if (options.file) {
    const spec = readDeploymentSpec(loadYamlSpec(options.file, options.set ?? []), options);
    // update never creates: the deployment must exist.
    await context.client.request('GET', await deploymentPath(context, spec.endpointName, spec.name));
    return apply(spec, options, context);
  }
  const name = requireOption(options.name, '--name/-n (or --file/-f)');
  const endpoint = requireOption(options.endpointName, '--endpoint-name/-e (or --file/-f)');
  const current = deploymentEntity(
    await context.client.request('GET', await deploymentPath(context, endpoint, name)),
  );
  const label = `batch deployment '${current.endpoint_name}/${current.name}'`;
  const source = documentSource(deploymentSpecDocument(current), label, options.set ?? []);
  return apply(
    readDeploymentSpec(source, { name: current.name, endpointName: current.endpoint_name }),
    options,
    context,
  );
}

async function show(options: TargetOptions, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  const endpoint = requireOption(options.endpointName, '--endpoint-name/-e');
  return deploymentEntity(await context.client.request('GET', await deploymentPath(context, endpoint, name)));
}

async function list(options: TargetOptions, context: CommandContext) {
  const endpoint = requireOption(options.endpointName, '--endpoint-name/-e');
  const items = await listAll(context.client, `${await endpointPath(context, endpoint)}/deployments`);
  return items.map(deploymentEntity);
}

async function remove(options: DeleteOptions, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  const endpoint = requireOption(options.endpointName, '--endpoint-name/-e');
  const path = await deploymentPath(context, endpoint, name);
  await context.client.request('GET', path);
  await confirmDeletion(`Delete deployment '${name}' of batch endpoint '${endpoint}'?`, options.yes);
  await context.client.request('DELETE', path);
  return undefined;
}

/** Registers `batch-deployment` and its subcommands; returns the group so more subcommands can be added. */
export function registerBatchDeploymentCommands(program: Command): Command {
  const group = program
    .command('batch-deployment')
    .description('Manage batch deployments of batch endpoints.');
  const table = TABLES.deployment;
  const target = (command: Command, nameHelp: string) =>
    command
      .option('-n, --name <name>', nameHelp)
      .option('-e, --endpoint-name <name>', 'name of the batch endpoint');

  const createCmd = target(
    addResourceCommand(group, 'create', 'Create a batch deployment from a YAML file.'),
    'deployment name; overrides the YAML name',
  );
  addSpecOptions(createCmd, 'batch deployment')
    .option('--set-default', "make it the endpoint's default deployment once created")
    .action(runAction(create, table));
  addNoWaitOption(createCmd);

  const updateCmd = target(
    addResourceCommand(group, 'update', 'Update a batch deployment.'),
    'deployment name',
  );
  addSpecOptions(updateCmd, 'batch deployment')
    .option('--set-default', "make it the endpoint's default deployment once updated")
    .action(runAction(update, table));
  addNoWaitOption(updateCmd);

  target(addResourceCommand(group, 'show', 'Show a batch deployment.'), 'deployment name').action(
    runAction(show, table),
  );

  addResourceCommand(group, 'list', 'List the deployments of a batch endpoint.')
    .option('-e, --endpoint-name <name>', 'name of the batch endpoint')
    .action(runAction(list, table));

  const deleteCmd = target(
    addResourceCommand(group, 'delete', 'Delete a batch deployment (not the default one).'),
    'deployment name',
  )
    .option('-y, --yes', 'do not ask for confirmation')
    .action(runAction(remove));
  addNoWaitOption(deleteCmd);
  return group;
}
