/**
 * `nightshift pipeline trigger create|show|list|delete|start|stop` and `nightshift pipeline trigger-run
 * list|rerun`, after `az datafactory trigger` and `az datafactory trigger-run`: the factory's triggers from
 * the JSON files Data Factory's Git integration writes (`{"name", "properties"}`), and the runs they fired.
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

interface TriggerOptions extends CommonOptions {
  file?: string;
  name?: string;
  yes?: boolean;
}

interface RunOptions extends CommonOptions {
  trigger?: string;
  status?: string;
  after?: string;
  before?: string;
  runId?: string;
}

/** The pipeline a trigger runs: the first of `pipelines`, or a tumbling window's `pipeline`. */
function pipelineOf(item: unknown): string | undefined {
  interface Binding {
    pipelineReference?: { referenceName?: string };
  }
  const p = (item as { properties?: { pipelines?: Binding[]; pipeline?: Binding } }).properties;
  return (p?.pipelines?.[0] ?? p?.pipeline)?.pipelineReference?.referenceName;
}

const TRIGGER_TABLE: TableSpec = [
  { header: 'Name', path: 'name' },
  { header: 'Type', path: 'properties.type' },
  { header: 'RuntimeState', path: 'properties.runtimeState' },
  { header: 'Pipeline', value: pipelineOf },
];

const RUN_TABLE: TableSpec = [
  { header: 'Trigger', path: 'triggerName' },
  { header: 'Fired', path: 'triggerRunTimestamp' },
  { header: 'Status', path: 'status' },
  { header: 'PipelineRunId', path: 'pipelineRunId' },
  { header: 'TriggerRunId', path: 'triggerRunId' },
];

async function triggersPath(context: CommandContext, name?: string): Promise<string> {
  const base = `${factoryPathOf(await context.workspacePath())}/triggers`;
  return name === undefined ? base : `${base}/${segment(name)}`;
}

/** The file's `{name, properties}`; `--name` wins over the file's name. */
function readTriggerFile(file: string, name: string | undefined): { name: string; body: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
    throw new CliError(`Cannot read the trigger file ${file}: ${reason}.`, { exitCode: 2 });
  }
  const doc = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const chosen = name ?? (typeof doc['name'] === 'string' ? doc['name'] : undefined);
  if (chosen === undefined || chosen === '') {
    throw new CliError(`${file} has no "name"; give one with --name.`, { exitCode: 2 });
  }
  return { name: chosen, body: { properties: doc['properties'] } };
}

function nameCommand(sub: Command, verb: string, description: string): Command {
  return addCommonOptions(sub.command(verb).description(description)).option(
    '-n, --name <name>',
    'trigger name',
  );
}

function registerTriggers(group: Command): void {
  const sub = group.command('trigger').description("The factory's triggers (Data Factory REST shapes).");
  addCommonOptions(
    sub.command('create').description('Create or replace a (stopped) trigger from a JSON file.'),
  )
    .option('-f, --file <file>', 'the trigger JSON ({"name", "properties"})')
    .option('-n, --name <name>', "name; overrides the file's")
    .action(
      runAction(async (o: TriggerOptions, context) => {
        const { name, body } = readTriggerFile(requireOption(o.file, '--file/-f'), o.name);
        return context.client.request('PUT', await triggersPath(context, name), body);
      }, TRIGGER_TABLE),
    );
  addCommonOptions(sub.command('list').description('List triggers.')).action(
    runAction(
      async (_o: CommonOptions, context) => listAll(context.client, await triggersPath(context)),
      TRIGGER_TABLE,
    ),
  );
  nameCommand(sub, 'show', 'Show a trigger.').action(
    runAction(
      async (o: TriggerOptions, context) =>
        context.client.request('GET', await triggersPath(context, requireOption(o.name, '--name/-n'))),
      TRIGGER_TABLE,
    ),
  );
  for (const verb of ['start', 'stop'] as const) {
    nameCommand(
      sub,
      verb,
      verb === 'start' ? 'Start a trigger: it fires from now on.' : 'Stop a trigger.',
    ).action(
      runAction(async (o: TriggerOptions, context) => {
        const path = await triggersPath(context, requireOption(o.name, '--name/-n'));
        await context.client.request('POST', `${path}/${verb}`);
        return context.client.request('GET', path);
      }, TRIGGER_TABLE),
    );
  }
  nameCommand(sub, 'delete', 'Delete a (stopped) trigger.')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(
      runAction(async (o: TriggerOptions, context) => {
        const path = await triggersPath(context, requireOption(o.name, '--name/-n'));
        await context.client.request('GET', path);
        await confirmDeletion(`Delete trigger '${o.name ?? ''}'?`, o.yes);
        await context.client.request('DELETE', path);
        return undefined;
      }),
    );
}

function timeOption(value: string | undefined, flag: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (Number.isNaN(Date.parse(value))) {
    throw new CliError(`${flag} '${value}' is not a time; write e.g. 2024-05-01T00:00:00Z.`, { exitCode: 2 });
  }
  return value;
}

function registerTriggerRuns(group: Command): void {
  const sub = group.command('trigger-run').description('The runs triggers fired (Data Factory REST shapes).');
  addCommonOptions(sub.command('list').description('List trigger runs (queryTriggerRuns), oldest first.'))
    .option('--trigger <name>', 'only this trigger')
    .option('--status <status>', 'only runs with this status (Succeeded, Failed, Inprogress)')
    .option('--after <time>', 'fired at or after this time (default: any time)')
    .option('--before <time>', 'fired before this time (default: now)')
    .action(
      runAction(async (o: RunOptions, context) => {
        const filters = [
          ...(o.trigger === undefined
            ? []
            : [{ operand: 'TriggerName', operator: 'Equals', values: [o.trigger] }]),
          ...(o.status === undefined ? [] : [{ operand: 'Status', operator: 'Equals', values: [o.status] }]),
        ];
        const body = {
          lastUpdatedAfter: timeOption(o.after, '--after', '1970-01-01T00:00:00Z'),
          lastUpdatedBefore: timeOption(o.before, '--before', new Date(Date.now() + 60_000).toISOString()),
          filters,
        };
        const path = `${factoryPathOf(await context.workspacePath())}/queryTriggerRuns`;
        return (await context.client.request<{ value: unknown[] }>('POST', path, body)).value;
      }, RUN_TABLE),
    );
  addCommonOptions(sub.command('rerun').description("Fire a trigger run's occurrence again."))
    .option('--trigger <name>', 'the trigger')
    .option('--run-id <id>', 'the trigger run id')
    .action(
      runAction(async (o: RunOptions, context) => {
        const path = await triggersPath(context, requireOption(o.trigger, '--trigger'));
        const runId = segment(requireOption(o.runId, '--run-id'));
        return context.client.request('POST', `${path}/triggerRuns/${runId}/rerun`);
      }, RUN_TABLE),
    );
}

export function registerTriggerCommands(group: Command): void {
  registerTriggers(group);
  registerTriggerRuns(group);
}
