/**
 * `nightshift schedule create|show|list|enable|disable|delete`, as `az ml schedule` works: create reads
 * the schedule YAML (schedule-spec.ts) and PUTs it at `.../workspaces/{ws}/schedules/{name}`; enable and
 * disable fetch the schedule and PUT it back with `isEnabled` changed, as az does. `show` and `list`
 * print the next firing times, so a user sees when the first job will start before trusting it.
 */
import type { Command } from 'commander';
import { loadYamlSpec } from '../../core/spec/yaml-source.ts';
import { scheduleRequest } from '../specs/schedule-spec.ts';
import { SCHEDULE_TABLE, scheduleEntity } from './schedule-entity.ts';
import {
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

async function schedulePath(context: CommandContext, name: string): Promise<string> {
  return `${await context.workspacePath()}/schedules/${segment(name)}`;
}

async function create(options: NameOptions & SpecOptions, context: CommandContext) {
  const file = requireOption(options.file, '--file/-f');
  const { name, body } = scheduleRequest(loadYamlSpec(file, options.set ?? []), options.name);
  return scheduleEntity(await context.client.request('PUT', await schedulePath(context, name), body));
}

async function show(options: NameOptions, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  return scheduleEntity(await context.client.request('GET', await schedulePath(context, name)));
}

async function list(_options: CommonOptions, context: CommandContext) {
  return (await listAll(context.client, `${await context.workspacePath()}/schedules`)).map(scheduleEntity);
}

function setEnabled(isEnabled: boolean) {
  return async (options: NameOptions, context: CommandContext) => {
    const name = requireOption(options.name, '--name/-n');
    const path = await schedulePath(context, name);
    const current = await context.client.request<{ properties: Record<string, unknown> }>('GET', path);
    const body = { properties: { ...current.properties, isEnabled } };
    return scheduleEntity(await context.client.request('PUT', path, body));
  };
}

async function remove(options: DeleteOptions, context: CommandContext) {
  const name = requireOption(options.name, '--name/-n');
  const path = await schedulePath(context, name);
  await context.client.request('GET', path);
  await confirmDeletion(`Delete schedule '${name}'? The jobs it started stay.`, options.yes);
  await context.client.request('DELETE', path);
  return undefined;
}

export function registerScheduleCommands(program: Command): Command {
  const group = program
    .command('schedule')
    .description('Manage endpoint schedules: invoke a batch endpoint on a cron or recurrence.');
  const createCmd = addResourceCommand(group, 'create', 'Create a schedule (or replace its definition).');
  addSpecOptions(createCmd, 'schedule')
    .option('-n, --name <name>', 'schedule name; overrides the YAML name')
    .action(runAction(create, SCHEDULE_TABLE));
  addResourceCommand(group, 'show', 'Show a schedule and its next firing times.')
    .option('-n, --name <name>', 'schedule name')
    .action(runAction(show, SCHEDULE_TABLE));
  addResourceCommand(
    group,
    'list',
    'List the schedules of the workspace, with their next firing time.',
  ).action(runAction(list, SCHEDULE_TABLE));
  addResourceCommand(group, 'enable', 'Enable a schedule; it fires from the next occurrence on.')
    .option('-n, --name <name>', 'schedule name')
    .action(runAction(setEnabled(true), SCHEDULE_TABLE));
  addResourceCommand(group, 'disable', 'Disable a schedule; it starts no job until enabled.')
    .option('-n, --name <name>', 'schedule name')
    .action(runAction(setEnabled(false), SCHEDULE_TABLE));
  addResourceCommand(group, 'delete', 'Delete a schedule (the jobs it started stay).')
    .option('-n, --name <name>', 'schedule name')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(runAction(remove));
  return group;
}
