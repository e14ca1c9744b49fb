/**
 * `nightshift model create|show|list`, as `az ml model`. `create` takes a YAML file or, without one,
 * `--name --path [--type] [--version]`; a local path is uploaded first and the version defaults to the
 * model's next version.
 */
import type { Command } from 'commander';
import { modelEntity, TABLES } from '../entities.ts';
import { createAssetRegistrar } from '../specs/asset-registrar.ts';
import { readModelFields } from '../specs/asset-specs.ts';
import {
  addAssetReadCommands,
  assetCreateSource,
  type AssetFamily,
  type AssetOptions,
} from './asset-commands.ts';
import {
  addResourceCommand,
  addSpecOptions,
  runAction,
  type CommandContext,
  type SpecOptions,
} from './common.ts';

interface CreateOptions extends AssetOptions, SpecOptions {
  path?: string;
  type?: string;
  description?: string;
}

const family: AssetFamily<ReturnType<typeof modelEntity>> = {
  kind: 'models',
  noun: 'model',
  toEntity: modelEntity,
  table: TABLES.model,
};

async function create(options: CreateOptions, context: CommandContext) {
  const flags = { name: options.name, version: options.version };
  const source = assetCreateSource(options);
  const fields = readModelFields(source, '', flags);
  return modelEntity(await createAssetRegistrar(context.client).registerModel(fields));
}

/** Registers `model` and its subcommands; returns the group so more subcommands can be added. */
export function registerModelCommands(program: Command): Command {
  const group = program.command('model').description('Manage registered models.');
  const createCmd = addResourceCommand(
    group,
    'create',
    'Register a model version from a local file or folder.',
  );
  addSpecOptions(createCmd, 'model')
    .option('-n, --name <name>', 'model name; overrides the YAML name')
    .option('-v, --version <version>', "version; defaults to the model's next version")
    .option('-p, --path <path>', 'local file or folder (or azureml:// URI) when no --file is given')
    .option('-t, --type <type>', 'custom_model (default) or mlflow_model')
    .option('-d, --description <text>', 'description when no --file is given')
    .action(runAction(create, family.table));
  addAssetReadCommands(group, family);
  return group;
}
