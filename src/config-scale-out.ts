/**
 * Where a server keeps its metadata and its task queue. Embedded (the default): SQLite in the data dir,
 * with the queue as a leased table in the same file. Scaled out: PostgreSQL for the metadata (the source
 * of truth that several servers and workers share) and BullMQ on Redis for delivering mini-batch ids.
 * `--database` > NIGHTSHIFT_DATABASE_URL > `database` in the config file, and the same for `--queue`.
 * The two go together: a Redis queue beside a server-local SQLite file would hand other machines ids
 * they cannot look up, and PostgreSQL without a shared queue would leave every worker polling the
 * database. The URLs may carry passwords: they are never logged or returned (`redactUrl`). Also the
 * lease length, which says how soon another server takes over a killed one's jobs.
 */
import { ValidationError } from './core/errors.ts';

export interface ScaleOutConfig {
  /** `postgresql://user:password@host:port/database` (libpq's URL form, as `pg` takes it). */
  database: string;
  /**
   * `redis://[:password@]host:port[/db][?prefix=NAME]`, or `rediss://` for TLS. `prefix` keeps several
   * installations (or tests) apart on one Redis; every key of the queue starts with it (default nightshift).
   */
  queue: string;
  /**
   * The datastore (by name) through which `nightshift worker` processes on other machines get models and
   * code and hand back their parts; jobs on computes other than `local` need it.
   */
  artifactStore?: string;
}

const DATABASE_SCHEMES = ['postgresql:', 'postgres:'];
const QUEUE_SCHEMES = ['redis:', 'rediss:'];

function checkUrl(text: string, field: 'database' | 'queue', schemes: readonly string[]): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const example =
    field === 'database' ? 'postgresql://user@db-host:5432/nightshift' : 'redis://queue-host:6379';
  if (!url || !schemes.includes(url.protocol) || url.hostname === '') {
    throw new ValidationError(
      `Invalid ${field} URL '${redactUrl(text)}': use ${schemes.map((s) => `${s}//`).join(' or ')} with a host, e.g. ${example}.`,
      field,
    );
  }
  if (field === 'queue') queuePrefixOf(text);
  return text;
}

/**
 * The queue URL without its `prefix` parameter (what the Redis client connects to) and that prefix,
 * `nightshift` unless given. A prefix is letters, digits, '.', '_' and '-' (it becomes part of key names).
 */
export function queuePrefixOf(text: string): { connection: string; prefix: string } {
  const url = new URL(text);
  const prefix = url.searchParams.get('prefix') ?? 'nightshift';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(prefix)) {
    throw new ValidationError(
      `Invalid queue URL '${redactUrl(text)}': its prefix '${prefix}' must be 1 to 64 letters, digits, '.', '_' or '-', e.g. redis://queue-host:6379?prefix=team-a.`,
      'queue',
    );
  }
  url.searchParams.delete('prefix');
  return { connection: url.toString(), prefix };
}

/** The URL with any password replaced, for messages and logs. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@]*?:)[^/?#@]*@/i, '$1***@');
}

/** Undefined when neither is set (embedded); both, checked, when the server scales out. */
export function readScaleOut(
  database: string | undefined,
  queue: string | undefined,
  artifactStore?: string,
): ScaleOutConfig | undefined {
  if (database === undefined && queue === undefined) {
    if (artifactStore === undefined) return undefined;
    throw new ValidationError(
      'An artifact store serves workers on other machines, which only a scaled-out server has: give ' +
        '--database and --queue too, or drop --artifact-store (NIGHTSHIFT_ARTIFACT_STORE).',
      'artifactStore',
    );
  }
  if (database === undefined || queue === undefined) {
    const [given, missing] = database === undefined ? ['queue', 'database'] : ['database', 'queue'];
    throw new ValidationError(
      `A scaled-out server needs both --database (PostgreSQL) and --queue (Redis); the ${given} was ` +
        `given alone. Give --${missing} too (or NIGHTSHIFT_${missing.toUpperCase()}_URL), or neither for the embedded mode.`,
      missing,
    );
  }
  const store = artifactStore
    ?.trim()
    .replace(/^azureml:\/\/datastores\//i, '')
    .replace(/\/.*$/s, '');
  if (store !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/.test(store)) {
    throw new ValidationError(
      `Invalid artifactStore '${artifactStore ?? ''}': name a datastore of the workspace, e.g. artifacts (a Blob, ADLS or S3 datastore).`,
      'artifactStore',
    );
  }
  return {
    database: checkUrl(database, 'database', DATABASE_SCHEMES),
    queue: checkUrl(queue, 'queue', QUEUE_SCHEMES),
    ...(store !== undefined ? { artifactStore: store } : {}),
  };
}

/** The `scaleOut` field of the config, present only when the server scales out. */
export const scaleOutFields = (scaleOut: ScaleOutConfig | undefined): { scaleOut?: ScaleOutConfig } =>
  scaleOut ? { scaleOut } : {};

/**
 * How long a lease lives unrenewed (a running mini-batch's in the queue, a job's driver's in the store):
 * how long a killed server's jobs and tasks wait before another takes them. NIGHTSHIFT_LEASE_MS > `leaseMs`
 * in the file > 30 s; renewed every third of it.
 */
export function readLeaseMs(text: string | undefined): number {
  if (text === undefined) return 30_000;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1000 || value > 600_000) {
    throw new ValidationError(
      `Invalid leaseMs '${text}': use a whole number of milliseconds from 1000 to 600000 (default 30000).`,
      'leaseMs',
    );
  }
  return value;
}
