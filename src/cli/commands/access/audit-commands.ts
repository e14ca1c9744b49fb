/**
 * `nightshift audit list`: the server's audit log, newest first. `--since` takes an ISO time or an age
 * (`30m`, `1h`, `2d`), because "what was refused in the last hour" is the usual question; the age is
 * turned into a time here so the server sees one form.
 */
import type { Command } from 'commander';
import { CliError } from '../../client.ts';
import { addResourceCommand, runAction, type CommandContext, type CommonOptions } from '../common.ts';
import { ACCESS_TABLES } from './access-views.ts';

interface AuditOptions extends CommonOptions {
  since?: string;
  principal?: string;
  result?: string;
  action?: string;
  limit?: string;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `--since` as an ISO time: an age such as `90m` counts back from `now`; a date must parse. */
export function sinceTime(since: string, now: Date): string {
  const age = /^\s*(\d+)\s*([smhdw])\s*$/i.exec(since);
  if (age) {
    const [, count = '0', unit = 's'] = age;
    const seconds = Number(count) * (UNIT_SECONDS[unit.toLowerCase()] ?? 1);
    return new Date(now.getTime() - seconds * 1000).toISOString();
  }
  const time = Date.parse(since);
  if (Number.isNaN(time)) {
    throw new CliError(
      `argument --since: '${since}' is neither an ISO time (2026-01-31T12:00:00Z) nor an age such as 30m, 1h or 2d.`,
      { exitCode: 2 },
    );
  }
  return new Date(time).toISOString();
}

async function list(options: AuditOptions, context: CommandContext) {
  const query = new URLSearchParams();
  if (options.since !== undefined) query.set('since', sinceTime(options.since, new Date()));
  if (options.principal !== undefined) query.set('principal', options.principal);
  if (options.result !== undefined) query.set('result', options.result);
  if (options.action !== undefined) query.set('action', options.action);
  if (options.limit !== undefined) query.set('limit', options.limit);
  const suffix = query.size > 0 ? `?${query.toString()}` : '';
  const { value } = await context.client.request<{ value: unknown[] }>(
    'GET',
    `/nightshift/auditLogs${suffix}`,
  );
  return value;
}

export function registerAuditCommands(program: Command): void {
  const group = program.command('audit').description('Read the audit log.');
  addResourceCommand(group, 'list', 'List audit entries, newest first.')
    .option('--since <time>', 'entries at or after an ISO time, or within an age such as 30m, 1h, 2d')
    .option('--principal <principal>', 'only this caller: app id, client id, user name or object id')
    .option('--result <result>', 'only Succeeded, Failed or Denied calls')
    .option('--action <text>', "only actions containing this text, e.g. 'jobs/write' or 'token/'")
    .option('--limit <count>', 'at most this many entries (server default 100)')
    .action(runAction(list, ACCESS_TABLES.audit));
}
