/**
 * `show` and `list` of versioned assets (model, data, environment), shared because the three families
 * sit behind the same ARM routes (`.../KIND/NAME/versions/V`). `show` without `--version` shows the
 * latest version. `list` shows the latest version of every asset, or with `--name` every version of one
 * asset, newest first as az lists them.
 */
import type { Command } from 'commander';
import { loadYamlSpec, type YamlSpecSource } from '../../core/spec/yaml-source.ts';
import { compact, documentSource } from '../specs/document-source.ts';
import type { AssetKind } from '../../core/workspace.ts';
import type { TableSpec } from '../output/table.ts';
import {
  addResourceCommand,
  listAll,
  requireOption,
  runAction,
  segment,
  type CommandContext,
  type CommonOptions,
} from './common.ts';

export interface AssetOptions extends CommonOptions {
  name?: string;
  version?: string;
  label?: string;
}

export interface AssetFamily<E> {
  kind: AssetKind;
  /** How the family is called in help text: 'model', 'data asset', 'environment'. */
  noun: string;
  toEntity(arm: unknown): E;
  table: TableSpec;
}

async function latestVersion(context: CommandContext, kind: AssetKind, name: string): Promise<string> {
  const container = await context.client.request<{ properties?: { latestVersion?: string } }>(
    'GET',
    `${await context.workspacePath()}/${kind}/${segment(name)}`,
  );
  return container.properties?.latestVersion ?? 'latest';
}

/** GETs one version ('latest' or absent means the latest). */
/** The flags of an asset `create` that stand in for a YAML file. */
export interface AssetCreateOptions extends AssetOptions {
  file?: string;
  set?: string[];
  path?: string;
  type?: string;
  description?: string;
}

/** The spec of an asset `create`: the YAML file, or `--name --path [--type] [--description]`. */
export function assetCreateSource(options: AssetCreateOptions): YamlSpecSource {
  if (options.file) return loadYamlSpec(options.file, options.set ?? []);
  return documentSource(
    compact({
      name: requireOption(options.name, '--name/-n (or --file/-f)'),
      path: requireOption(options.path, '--path/-p (or --file/-f)'),
      type: options.type,
      description: options.description,
    }),
    'command line',
    options.set ?? [],
  );
}

async function getAssetVersion(context: CommandContext, kind: AssetKind, name: string, version?: string) {
  const v =
    !version || version.toLowerCase() === 'latest' ? await latestVersion(context, kind, name) : version;
  return context.client.request(
    'GET',
    `${await context.workspacePath()}/${kind}/${segment(name)}/versions/${segment(v)}`,
  );
}

function showAction<E>(family: AssetFamily<E>) {
  return async (options: AssetOptions, context: CommandContext) => {
    const name = requireOption(options.name, '--name/-n');
    return family.toEntity(
      await getAssetVersion(context, family.kind, name, options.version ?? options.label),
    );
  };
}

function listAction<E>(family: AssetFamily<E>) {
  return async (options: AssetOptions, context: CommandContext) => {
    const ws = await context.workspacePath();
    if (options.name) {
      const versions = await listAll(
        context.client,
        `${ws}/${family.kind}/${segment(options.name)}/versions`,
      );
      return versions.map((v) => family.toEntity(v)).reverse();
    }
    const containers = await listAll<{ name: string }>(context.client, `${ws}/${family.kind}`);
    return Promise.all(
      containers.map(async (c) => family.toEntity(await getAssetVersion(context, family.kind, c.name))),
    );
  };
}

/** Adds `show` and `list` for an asset family to its group. */
export function addAssetReadCommands<E>(group: Command, family: AssetFamily<E>): void {
  addResourceCommand(group, 'show', `Show a ${family.noun} version (the latest unless --version is given).`)
    .option('-n, --name <name>', `${family.noun} name`)
    .option('-v, --version <version>', 'version to show')
    .option('-l, --label <label>', "label to show instead of a version; only 'latest' is known")
    .action(runAction(showAction(family), family.table));
  addResourceCommand(
    group,
    'list',
    `List ${family.noun}s: the latest version of each, or every version of --name.`,
  )
    .option('-n, --name <name>', `list every version of this ${family.noun}`)
    .action(runAction(listAction(family), family.table));
}
