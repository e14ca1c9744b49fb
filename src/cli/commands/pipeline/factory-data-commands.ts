/**
 * `nightshift pipeline linked-service create|show|list|delete` and `nightshift pipeline dataset ...`: the
 * factory's linked services and datasets, from the JSON files Data Factory's Git integration writes
 * (`{"name", "properties"}`; `--name` overrides the file's name). Linked services come back with their
 * secrets masked, as the server never returns them.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../../client.ts';
import type { TableSpec } from '../../output/table.ts';
import {
  addCommonOptions,
  confirmDeletion,
  listAll,
  requireOption,
  runAction,
  segment,
  type CommandContext,
  type CommonOptions,
} from '../common.ts';
import { factoryPathOf } from './pipeline-api.ts';

interface FileOptions extends CommonOptions {
  file?: string;
  name?: string;
}

interface NameOptions extends CommonOptions {
  name?: string;
  yes?: boolean;
}

interface Kind {
  command: string;
  segment: string;
  label: string;
  table: TableSpec;
}

const KINDS: Kind[] = [
  {
    command: 'linked-service',
    segment: 'linkedservices',
    label: 'linked service',
    table: [
      { header: 'Name', path: 'name' },
      { header: 'Type', path: 'properties.type' },
      { header: 'Description', path: 'properties.description' },
    ],
  },
  {
    command: 'dataset',
    segment: 'datasets',
    label: 'dataset',
    table: [
      { header: 'Name', path: 'name' },
      { header: 'Type', path: 'properties.type' },
      { header: 'LinkedService', path: 'properties.linkedServiceName.referenceName' },
      { header: 'Location', path: 'properties.typeProperties.location.type' },
    ],
  },
];

/** The file's `{name, properties}`; `--name` wins over the file's name. */
function readResourceFile(
  file: string,
  name: string | undefined,
  kind: Kind,
): { name: string; body: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
    throw new CliError(`Cannot read the ${kind.label} file ${file}: ${reason}.`, { exitCode: 2 });
  }
  const doc = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const chosen = name ?? (typeof doc['name'] === 'string' ? doc['name'] : undefined);
  if (chosen === undefined || chosen === '') {
    throw new CliError(`${file} has no "name"; give one with --name.`, { exitCode: 2 });
  }
  return { name: chosen, body: { properties: doc['properties'] } };
}

async function pathOf(context: CommandContext, kind: Kind, name?: string): Promise<string> {
  const base = `${factoryPathOf(await context.workspacePath())}/${kind.segment}`;
  return name === undefined ? base : `${base}/${segment(name)}`;
}

function registerKind(group: Command, kind: Kind): void {
  const sub = group
    .command(kind.command)
    .description(`The factory's ${kind.label}s (Data Factory REST shapes).`);
  addCommonOptions(sub.command('create').description(`Create or replace a ${kind.label} from a JSON file.`))
    .option('-f, --file <file>', `the ${kind.label} JSON ({"name", "properties"})`)
    .option('-n, --name <name>', "name; overrides the file's")
    .action(
      runAction(async (o: FileOptions, context) => {
        const { name, body } = readResourceFile(requireOption(o.file, '--file/-f'), o.name, kind);
        return context.client.request('PUT', await pathOf(context, kind, name), body);
      }, kind.table),
    );
  addCommonOptions(sub.command('list').description(`List ${kind.label}s.`)).action(
    runAction(
      async (_o: CommonOptions, context) => listAll(context.client, await pathOf(context, kind)),
      kind.table,
    ),
  );
  addCommonOptions(sub.command('show').description(`Show a ${kind.label}.`))
    .option('-n, --name <name>', `${kind.label} name`)
    .action(
      runAction(
        async (o: NameOptions, context) =>
          context.client.request('GET', await pathOf(context, kind, requireOption(o.name, '--name/-n'))),
        kind.table,
      ),
    );
  addCommonOptions(sub.command('delete').description(`Delete a ${kind.label}.`))
    .option('-n, --name <name>', `${kind.label} name`)
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      runAction(async (o: NameOptions, context) => {
        const path = await pathOf(context, kind, requireOption(o.name, '--name/-n'));
        await context.client.request('GET', path);
        await confirmDeletion(`Delete ${kind.label} '${o.name ?? ''}'?`, o.yes);
        await context.client.request('DELETE', path);
        return undefined;
      }),
    );
}

export function registerFactoryDataCommands(group: Command): void {
  for (const kind of KINDS) registerKind(group, kind);
}
