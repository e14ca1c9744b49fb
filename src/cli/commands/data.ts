/**
 * `nightshift data create|show|list`, as `az ml data`. `create` takes a YAML file or, without one,
 * `--name --path [--type] [--version]`; a local path is uploaded first and the version defaults to the
 * asset's next version.
 */
import type { Command } from 'commander';
import { dataEntity, TABLES } from '../entities.ts';
import { createAssetRegistrar } from '../specs/asset-registrar.ts';
import { readDataFields } from '../specs/asset-specs.ts';
import {
  addAssetReadCommands,
  assetCreateSource,
  type AssetFamily,
  type AssetOptions,
} from './asset-commands.ts';
import {
  addResourceCommand,
  addSpecOptions,
  requireOption,
  runAction,
  type CommandContext,
  type SpecOptions,
} from './common.ts';

interface CreateOptions extends AssetOptions, SpecOptions {
  path?: string;
  type?: string;
  description?: string;
}

const family: AssetFamily<ReturnType<typeof dataEntity>> = {
  kind: 'data',
  noun: 'data asset',
  toEntity: dataEntity,
  table: TABLES.data,
};

async function create(options: CreateOptions, context: CommandContext) {
  const source = assetCreateSource(options);
  const fields = readDataFields(source, { name: options.name, version: options.version });
  const name = fields.name ?? requireOption(options.name, '--name/-n');
  return dataEntity(await createAssetRegistrar(context.client).registerData({ ...fields, name }));
}

/** Registers `data` and its subcommands; returns the group so more subcommands can be added. */
export function registerDataCommands(program: Command): Command {
  const group = program.command('data').description('Manage data assets.');
  const createCmd = addResourceCommand(
    group,
    'create',
    'Register a data asset version (uri_folder or uri_file).',
  );
  addSpecOptions(createCmd, 'data asset')
    .option('-n, --name <name>', 'data asset name; overrides the YAML name')
    .option('-v, --version <version>', "version; defaults to the asset's next version")
    .option('-p, --path <path>', 'local file or folder (or azureml:// URI) when no --file is given')
    .option('-t, --type <type>', 'uri_folder (default) or uri_file')
    .option('-d, --description <text>', 'description when no --file is given')
    .action(runAction(create, family.table));
  addAssetReadCommands(group, family);
  return group;
}
