/**
 * `nightshift job show|list|stream|cancel|rerun|download`, as `az ml job` works for batch jobs. `stream` draws a
 * live progress bar on a terminal and prints plain progress lines otherwise, then the result and the
 * first real error, and exits non-zero unless the job Completed.
 */
import { join, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { TERMINAL_STATUSES } from '../../core/jobs.ts';
import { CliError, type ApiClient } from '../client.ts';
import { JOB_TABLE, jobEntity, type JobEntity } from '../job-entity.ts';
import { addCommonOptions, requireOption, runAction, segment, type CommonOptions } from './common.ts';

/** The largest page the server gives (job-list-query.ts); more comes through nextLink. */
const MAX_PAGE = 1000;

// Statuses come from the wire as text; the list itself is core's.
const TERMINAL: readonly string[] = TERMINAL_STATUSES;

async function fetchJob(client: ApiClient, ws: string, name: string): Promise<JobEntity> {
  return jobEntity(await client.request('GET', `${ws}/jobs/${segment(name)}`));
}

function progressLine(job: JobEntity): string {
  const p = job.progress;
  if (!p) return `${job.name}: ${job.status}`;
  const m = p.miniBatches;
  const done = (m.succeeded ?? 0) + (m.failed ?? 0) + (m.canceled ?? 0);
  return `${job.name}: ${job.status} - mini-batches ${done}/${m.total ?? 0} (failed ${m.failed ?? 0}), items ${p.items.succeeded}/${p.items.total} succeeded, ${p.items.failed} failed`;
}

/** Polls the job until it ends, drawing progress; returns the final job. */
export async function streamJob(
  client: ApiClient,
  ws: string,
  name: string,
  intervalMs = 500,
): Promise<JobEntity> {
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new SingleBar({
        format: ' {bar} {percentage}% | {value}/{total} mini-batches | {status} | items failed {failed}',
        stream: process.stderr,
        hideCursor: true,
      })
    : undefined;
  let last = '';
  let started = false;
  for (;;) {
    const job = await fetchJob(client, ws, name);
    const m = job.progress?.miniBatches;
    const done = m ? (m.succeeded ?? 0) + (m.failed ?? 0) + (m.canceled ?? 0) : 0;
    if (bar) {
      const payload = { status: job.status, failed: job.progress?.items.failed ?? 0 };
      if (!started) bar.start(m?.total ?? 0, done, payload);
      else bar.update(done, payload);
      started = true;
    } else {
      const line = progressLine(job);
      if (line !== last) process.stderr.write(`${line}\n`);
      last = line;
    }
    if (TERMINAL.includes(job.status)) {
      bar?.stop();
      return job;
    }
    await sleep(intervalMs);
  }
}

function describeEnd(job: JobEntity): string {
  const lines = [`Job ${job.name} ${job.status}: ${job.result ?? ''}`];
  if (job.outputs.score) lines.push(`Output: ${job.outputs.score.path}`);
  const error = job.error as { code?: string; message?: string; file?: string; attempt?: number } | null;
  if (error)
    lines.push(
      `First error${error.file ? ` (${error.file}, attempt ${error.attempt ?? '?'})` : ''}: ${error.code ?? ''}: ${error.message ?? ''}`,
    );
  return `${lines.join('\n')}\n`;
}

interface ListOptions extends CommonOptions {
  maxResults: string;
  endpointName?: string;
  deploymentName?: string;
  status?: string;
  createdBy?: string;
  model?: string;
  modelVersion?: string;
  since?: string;
  until?: string;
}

/**
 * Lists jobs with the server's filters, following nextLink page by page until `--max-results` jobs are in
 * hand (each page asks for no more than are still wanted), so a filter over 10,000 jobs reads only what
 * it shows. The server checks each filter and names the one it refuses.
 */
async function listJobs(client: ApiClient, ws: string, o: ListOptions): Promise<JobEntity[]> {
  const wanted = Number(o.maxResults);
  if (!Number.isSafeInteger(wanted) || wanted < 1)
    throw new CliError(
      `argument --max-results: expected a whole number of at least 1, got '${o.maxResults}'`,
      {
        exitCode: 2,
      },
    );
  const query = new URLSearchParams();
  const filters: [string, string | undefined][] = [
    ['endpoint', o.endpointName],
    ['deployment', o.deploymentName],
    ['status', o.status],
    ['creator', o.createdBy],
    ['model', o.model],
    ['modelVersion', o.modelVersion],
    ['since', o.since],
    ['until', o.until],
  ];
  for (const [name, value] of filters) if (value !== undefined) query.set(name, value);
  const jobs: JobEntity[] = [];
  let next: string | null | undefined;
  do {
    query.set('$top', String(Math.min(wanted - jobs.length, MAX_PAGE)));
    const page: { value?: unknown[]; nextLink?: string | null } = await client.request(
      'GET',
      next ?? `${ws}/jobs?${query.toString()}`,
    );
    jobs.push(...(page.value ?? []).map(jobEntity));
    next = page.nextLink;
  } while (next && jobs.length < wanted);
  return jobs.slice(0, wanted);
}

interface NameOption extends CommonOptions {
  name?: string;
}

export function registerJobCommands(program: Command): Command {
  const group = program.command('job').description('Show, follow, cancel, rerun and download batch jobs.');
  addCommonOptions(group.command('show').description('Show a job.'))
    .option('-n, --name <name>', 'job name')
    .action(
      runAction(
        async (o: NameOption, ctx) =>
          fetchJob(ctx.client, await ctx.workspacePath(), requireOption(o.name, '--name')),
        JOB_TABLE,
      ),
    );
  addCommonOptions(group.command('list').description('List jobs, newest first.'))
    .option('-r, --max-results <n>', 'at most this many jobs', '50')
    .option('-e, --endpoint-name <name>', 'only jobs of this batch endpoint')
    .option('-d, --deployment-name <name>', 'only jobs of this deployment')
    .option(
      '--status <statuses>',
      'only jobs with one of these statuses (comma-separated, e.g. Failed,Canceled)',
    )
    .option('--created-by <name>', 'only jobs this principal created')
    .option('--model <name>', 'only jobs scored by this model')
    .option('--model-version <version>', 'with --model: only jobs scored by this version of it')
    .option('--since <time>', 'only jobs created at or after this ISO 8601 date or time')
    .option('--until <time>', 'only jobs created before this ISO 8601 time (or on or before this date)')
    .action(
      runAction(async (o: ListOptions, ctx) => listJobs(ctx.client, await ctx.workspacePath(), o), JOB_TABLE),
    );
  addCommonOptions(
    group.command('stream').description('Follow a job until it ends; exits non-zero unless it Completed.'),
  )
    .option('-n, --name <name>', 'job name')
    .action(
      runAction(async (o: NameOption, ctx) => {
        const job = await streamJob(ctx.client, await ctx.workspacePath(), requireOption(o.name, '--name'));
        process.stderr.write(describeEnd(job));
        if (job.status !== 'Completed')
          throw new CliError(`Job ${job.name} ended ${job.status}.`, { exitCode: 1 });
        return undefined;
      }),
    );
  addCommonOptions(group.command('cancel').description('Cancel a job; finished mini-batches are kept.'))
    .option('-n, --name <name>', 'job name')
    .option('--no-wait', 'accepted for az compatibility')
    .action(
      runAction(
        async (o: NameOption, ctx) =>
          jobEntity(
            await ctx.client.request(
              'POST',
              `${await ctx.workspacePath()}/jobs/${segment(requireOption(o.name, '--name'))}/cancel`,
            ),
          ),
        JOB_TABLE,
      ),
    );
  addCommonOptions(
    group
      .command('rerun')
      .description(
        'Start a job again as a new job; --failed-only scores only what failed and reuses the rest.',
      ),
  )
    .option('-n, --name <name>', 'job name (the parent)')
    .option(
      '--failed-only',
      "score only the failed mini-batches; the output is complete, the parent's rest reused",
    )
    .action(
      runAction(
        async (o: NameOption & { failedOnly?: boolean }, ctx) =>
          jobEntity(
            await ctx.client.request(
              'POST',
              `${await ctx.workspacePath()}/jobs/${segment(requireOption(o.name, '--name'))}/rerun` +
                (o.failedOnly ? '?failedOnly=true' : ''),
            ),
          ),
        JOB_TABLE,
      ),
    );
  addCommonOptions(
    group.command('download').description("Download a job's output (and with --all its logs)."),
  )
    .option('-n, --name <name>', 'job name')
    .option('--output-name <name>', 'named output to download', 'score')
    .option('-p, --download-path <dir>', 'where to put it', '.')
    .option('--all', 'also download the job logs')
    .action(
      runAction(async (o: NameOption & { outputName: string; downloadPath: string; all?: boolean }, ctx) =>
        download(ctx.client, await ctx.workspacePath(), o),
      ),
    );
  return group;
}

/** Where a listed output file goes: under `target`, never outside it, whatever the server answered. */
function localTarget(target: string, path: string): string {
  const local = resolve(target, ...path.split('/'));
  if (!local.startsWith(`${resolve(target)}${sep}`))
    throw new CliError(`The server listed an output path outside the output folder: '${path}'.`);
  return local;
}

/**
 * Downloads a job's named output through the job outputs route (a listing, then each file), so reading
 * it needs the right to read the job's outputs, not the datastore; `--all` adds the job's logs.
 */
async function download(
  client: ApiClient,
  ws: string,
  o: NameOption & { outputName: string; downloadPath: string; all?: boolean },
) {
  const job = await fetchJob(client, ws, requireOption(o.name, '--name'));
  if (!TERMINAL.includes(job.status))
    throw new CliError(`Job ${job.name} is ${job.status}; download works once it has ended.`);
  const outputs = `${ws}/jobs/${segment(job.name)}/outputs/${segment(o.outputName)}`;
  const listed = (await client.request<{ value: { path: string; size?: number }[] }>('GET', outputs)).value;
  const target = join(o.downloadPath, 'named-outputs', o.outputName);
  const files: string[] = [];
  for (const entry of listed) {
    const local = localTarget(target, entry.path);
    await client.download(`${outputs}/paths/${entry.path.split('/').map(segment).join('/')}`, local);
    files.push(local);
  }
  if (o.all) {
    const logs = (
      await client.request<{ value: { path: string }[] }>('GET', `${ws}/jobs/${segment(job.name)}/logs`)
    ).value;
    for (const log of logs) {
      const local = localTarget(join(o.downloadPath, 'logs'), log.path);
      await client.download(
        `${ws}/jobs/${segment(job.name)}/logs/${log.path.split('/').map(segment).join('/')}`,
        local,
      );
      files.push(local);
    }
  }
  if (files.length === 0)
    throw new CliError(`Job ${job.name} wrote no output (${job.status}: ${job.result ?? ''}).`);
  return { job: job.name, status: job.status, downloaded: files };
}
