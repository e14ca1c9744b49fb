/**
 * `nightshift pipeline run|run-show|run-list|cancel`: starting runs, following them, and reading their
 * records. `run --wait` follows the run's activities on stderr, prints the final run on stdout like any
 * result, and exits 0 only when the run Succeeded (1 when it Failed, 2 when it was Cancelled, 130 when
 * Ctrl-C stopped the watching, which leaves the run going on the server).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../../client.ts';
import {
  addCommonOptions,
  clientFor,
  outputFormat,
  printResult,
  requireOption,
  runAction,
  type CommandContext,
  type CommonOptions,
} from '../common.ts';
import { runSummaryLine } from './activity-lines.ts';
import { pipelineApiFor, type PipelineApi } from './pipeline-api.ts';
import { ACTIVITY_RUN_TABLE, RUN_TABLE } from './pipeline-views.ts';
import { parseRunParameters, type RunParameterOptions } from './run-parameters.ts';
import { watchRun } from './run-watch.ts';

const POLL_INTERVAL_MS = 500;
const RUN_STATUSES = ['Queued', 'InProgress', 'Succeeded', 'Failed', 'Canceling', 'Cancelled'];
/** Exit codes of `run --wait` for runs that did not succeed. */
const EXIT_CODES: Record<string, number> = { Failed: 1, Cancelled: 2 };
const EXIT_STOPPED_WATCHING = 130;

interface RunOptions extends CommonOptions, RunParameterOptions {
  wait?: boolean;
}

interface RunIdOptions extends CommonOptions {
  runId?: string;
}

interface RunListOptions extends CommonOptions {
  name?: string;
  status?: string;
}

/** Follows a run started by `run --wait`; Ctrl-C stops the watching, not the run. */
async function followRun(api: PipelineApi, runId: string, pipeline: string) {
  const controller = new AbortController();
  const stopWatching = () => {
    controller.abort();
  };
  process.once('SIGINT', stopWatching);
  process.stderr.write(`Run ${runId} of pipeline ${pipeline} started; Ctrl-C stops watching.\n`);
  try {
    return await watchRun(api, runId, {
      intervalMs: POLL_INTERVAL_MS,
      signal: controller.signal,
      write: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    process.off('SIGINT', stopWatching);
  }
}

async function run(name: string, options: RunOptions): Promise<void> {
  outputFormat(options);
  const client = clientFor(options);
  const api = await pipelineApiFor({ client, workspacePath: () => client.workspacePath() });
  const parameters = parseRunParameters(options, (path) => readFileSync(path, 'utf8'));
  const { runId } = await api.createRun(name, parameters.values, parameters.asText);
  if (!options.wait) {
    printResult({ runId }, options);
    return;
  }
  const watched = await followRun(api, runId, name);
  if (watched.stopped) {
    process.stderr.write(
      `Stopped watching run ${runId}; it keeps running on the server. Follow it with 'nightshift pipeline run-show --run-id ${runId}', cancel it with 'nightshift pipeline cancel --run-id ${runId}'.\n`,
    );
    process.exitCode = EXIT_STOPPED_WATCHING;
    return;
  }
  printResult(watched.run, options, RUN_TABLE);
  if (watched.run.status !== 'Succeeded') {
    throw new CliError(runSummaryLine(watched.run), { exitCode: EXIT_CODES[watched.run.status] ?? 1 });
  }
  process.stderr.write(`${runSummaryLine(watched.run)}\n`);
}

async function showRun(options: RunIdOptions, context: CommandContext) {
  const runId = requireOption(options.runId, '--run-id');
  const api = await pipelineApiFor(context);
  const pipelineRun = await api.getRun(runId);
  return { ...pipelineRun, activityRuns: await api.activityRuns(runId) };
}

/** `run-show -o table` prints the run's row, then a table of its activity runs. */
async function showRunAction(options: RunIdOptions): Promise<void> {
  const client = clientFor(options);
  const shown = await showRun(options, { client, workspacePath: () => client.workspacePath() });
  if (outputFormat(options) !== 'table' || options.query !== undefined) {
    printResult(shown, options);
    return;
  }
  printResult(shown, options, RUN_TABLE);
  if (shown.activityRuns.length === 0) return;
  process.stdout.write('\n');
  printResult(shown.activityRuns, options, ACTIVITY_RUN_TABLE);
}

function canonicalStatus(status: string | undefined): string | undefined {
  if (status === undefined) return undefined;
  const known = RUN_STATUSES.find((candidate) => candidate.toLowerCase() === status.toLowerCase());
  if (known === undefined) {
    throw new CliError(`--status must be one of ${RUN_STATUSES.join(', ')}; got '${status}'.`, {
      exitCode: 2,
    });
  }
  return known;
}

async function listRuns(options: RunListOptions, context: CommandContext) {
  const status = canonicalStatus(options.status);
  return (await pipelineApiFor(context)).queryRuns({ pipelineName: options.name, status });
}

async function cancel(options: RunIdOptions, context: CommandContext) {
  const runId = requireOption(options.runId, '--run-id');
  const api = await pipelineApiFor(context);
  await api.cancel(runId);
  return api.getRun(runId);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function registerRunCommands(group: Command): void {
  addCommonOptions(
    group
      .command('run')
      .description('Start a run of a pipeline; with --wait, follow it and exit non-zero unless it Succeeded.')
      .argument('<name>', 'pipeline name'),
  )
    .option('--param <name=value>', 'a parameter value, converted to its declared type; repeatable', collect)
    .option('--parameters <json>', 'parameter values as a JSON object, or @file.json')
    .option('--wait', "follow the run's activities until it ends")
    .action(run);

  addCommonOptions(group.command('run-show').description('Show a run with its activity runs.'))
    .option('--run-id <id>', 'pipeline run id')
    .action(showRunAction);

  addCommonOptions(group.command('run-list').description('List pipeline runs, newest first.'))
    .option('-n, --name <name>', 'only runs of this pipeline')
    .option('--status <status>', `only runs with this status (${RUN_STATUSES.join(', ')})`)
    .action(runAction(listRuns, RUN_TABLE));

  addCommonOptions(group.command('cancel').description('Cancel a run in progress and show it.'))
    .option('--run-id <id>', 'pipeline run id')
    .action(runAction(cancel, RUN_TABLE));
}
