/**
 * `nightshift audit list`: the server's audit log, newest first. `--since` takes an ISO time or an age
 * (`30m`, `1h`, `2d`), because "what was refused in the last hour" is the usual question; the age is
 * turned into a time here so the server sees one form. Each entry gets a `principalName`: the display
 * name of the identity behind it, whether the server recorded it by object id, app id, client id or
 * user name (a token request names its client id, a call its user), so one identity reads the same on
 * every row; a call without an acceptable token reads `(unauthenticated)`.
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
  resource?: string;
  until?: string;
  limit?: string;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `--since` (or `--until`) as an ISO time: an age such as `90m` counts back from `now`; a date must parse. */
export function sinceTime(since: string, now: Date, flag = '--since'): string {
  const age = /^\s*(\d+)\s*([smhdw])\s*$/i.exec(since);
  if (age) {
    const [, count = '0', unit = 's'] = age;
    const seconds = Number(count) * (UNIT_SECONDS[unit.toLowerCase()] ?? 1);
    return new Date(now.getTime() - seconds * 1000).toISOString();
  }
  const time = Date.parse(since);
  if (Number.isNaN(time)) {
    throw new CliError(
      `argument ${flag}: '${since}' is neither an ISO time (2026-01-31T12:00:00Z) nor an age such as 30m, 1h or 2d.`,
      { exitCode: 2 },
    );
  }
  return new Date(time).toISOString();
}

interface AuditRow {
  principal?: string;
  principalId?: string;
  action?: string;
  method?: string;
  path?: string;
}

interface DirectoryEntry {
  displayName?: string;
  name?: string;
  appId?: string;
  clientId?: string;
  objectId?: string;
  localUser?: string;
}

/** Every name the server records an identity by, mapped to the one label the table shows. */
export function principalLabels(
  servicePrincipals: readonly DirectoryEntry[],
  identities: readonly DirectoryEntry[],
): Map<string, string> {
  const labels = new Map<string, string>();
  for (const sp of servicePrincipals) {
    const label = sp.displayName ?? sp.appId ?? '';
    for (const key of [sp.objectId, sp.appId, sp.localUser]) if (key) labels.set(key, label);
  }
  for (const mi of identities) {
    const label = `${mi.name ?? mi.clientId ?? ''} (managed identity)`;
    for (const key of [mi.objectId, mi.clientId]) if (key) labels.set(key, label);
  }
  return labels;
}

/** An audit entry with the label of its principal, looked up by object id first. */
export function withPrincipalName<T extends AuditRow>(
  entry: T,
  labels: ReadonlyMap<string, string>,
): T & { principalName: string } {
  const name =
    (entry.principalId ? labels.get(entry.principalId) : undefined) ??
    (entry.principal ? labels.get(entry.principal) : undefined) ??
    (entry.principal || '(unauthenticated)');
  return { ...entry, principalName: name };
}

/** The directory, as far as the caller may read it: a caller who may not list identities sees raw ids. */
async function directory(context: CommandContext): Promise<Map<string, string>> {
  const read = (path: string) =>
    context.client
      .request<{ value?: DirectoryEntry[] }>('GET', path)
      .then((page) => page.value ?? [])
      .catch(() => []);
  const [sps, mis] = await Promise.all([
    read('/nightshift/servicePrincipals'),
    read('/nightshift/managedIdentities'),
  ]);
  return principalLabels(sps, mis);
}

async function list(options: AuditOptions, context: CommandContext) {
  const query = new URLSearchParams();
  if (options.since !== undefined) query.set('since', sinceTime(options.since, new Date()));
  if (options.principal !== undefined) query.set('principal', options.principal);
  if (options.result !== undefined) query.set('result', options.result);
  if (options.action !== undefined) query.set('action', options.action);
  if (options.resource !== undefined) query.set('resource', options.resource);
  if (options.until !== undefined) query.set('until', sinceTime(options.until, new Date(), '--until'));
  if (options.limit !== undefined) query.set('limit', options.limit);
  const suffix = query.size > 0 ? `?${query.toString()}` : '';
  const [{ value }, labels] = await Promise.all([
    context.client.request<{ value: AuditRow[] }>('GET', `/nightshift/auditLogs${suffix}`),
    directory(context),
  ]);
  return value.map((entry) => withPrincipalName(entry, labels));
}

export function registerAuditCommands(program: Command): void {
  const group = program.command('audit').description('Read the audit log.');
  addResourceCommand(group, 'list', 'List audit entries, newest first.')
    .option('--since <time>', 'entries at or after an ISO time, or within an age such as 30m, 1h, 2d')
    .option('--principal <principal>', 'only this caller: app id, client id, user name or object id')
    .option('--result <result>', 'only Succeeded, Failed or Denied calls')
    .option('--action <text>', "only actions containing this text, e.g. 'jobs/write' or 'token/'")
    .option(
      '--resource <text>',
      "only entries whose scope or path contains this text, e.g. an endpoint's name",
    )
    .option('--until <time>', 'entries before an ISO time, or before an age such as 30m, 1h, 2d')
    .option('--limit <count>', 'at most this many entries (server default 100)')
    .action(runAction(list, ACCESS_TABLES.audit));
}
