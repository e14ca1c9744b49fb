/**
 * `nightshift environment create|show|list`, as `az ml environment`. The conda file is read locally and
 * sent as text; the version defaults to the environment's next version.
 */
import type { Command } from 'commander';
import { loadYamlSpec } from '../../core/spec/yaml-source.ts';
import { environmentEntity, TABLES } from '../entities.ts';
import { createAssetRegistrar } from '../specs/asset-registrar.ts';
import { readEnvironmentFields } from '../specs/asset-specs.ts';
import { addAssetReadCommands, type AssetFamily, type AssetOptions } from './asset-commands.ts';
import {
  addResourceCommand,
  addSpecOptions,
  requireOption,
  runAction,
  type CommandContext,
  type SpecOptions,
} from './common.ts';

type CreateOptions = AssetOptions & SpecOptions;

const family: AssetFamily<ReturnType<typeof environmentEntity>> = {
  kind: 'environments',
  noun: 'environment',
  toEntity: environmentEntity,
  table: TABLES.environment,
};

async function create(options: CreateOptions, context: CommandContext) {
  const file = requireOption(options.file, '--file/-f');
  const fields = readEnvironmentFields(loadYamlSpec(file, options.set ?? []), '', {
    name: options.name,
    version: options.version,
  });
  const name = fields.name ?? requireOption(options.name, '--name/-n');
  return environmentEntity(
    await createAssetRegistrar(context.client).registerEnvironment({ ...fields, name }),
  );
}

/** Registers `environment` and its subcommands; returns the group so more subcommands can be added. */
export function registerEnvironmentCommands(program: Command): Command {
  const group = program.command('environment').description('Manage environments.');
  const createCmd = addResourceCommand(group, 'create', 'Register an environment version from a YAML file.');
  addSpecOptions(createCmd, 'environment')
    .option('-n, --name <name>', 'environment name; overrides the YAML name')
    .option('-v, --version <version>', 'version; overrides the YAML version (default: the next version)')
    .action(runAction(create, family.table));
  addAssetReadCommands(group, family);
  return group;
}
