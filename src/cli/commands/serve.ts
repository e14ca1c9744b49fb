/**
 * `nightshift serve`: the embedded service in one process. Prints exactly one line when ready
 * (`listening on http://HOST:PORT`) and shuts down cleanly on SIGINT / SIGTERM.
 */
import type { Command } from 'commander';
import { pino, type Logger } from 'pino';
import { loadConfig, type Config } from '../../config.ts';
import { ValidationError } from '../../core/errors.ts';
import { CliError } from '../client.ts';

interface ServeOptions {
  dataDir?: string;
  host?: string;
  port?: string;
  config?: string;
  logLevel?: string;
  auth?: string;
  datastoreRoot?: string[];
  issuerUrl?: string;
  maxWorkers?: string;
  logFormat?: string;
  trustProxy?: string;
  allowUrlHosts?: string;
  allowHttpUrls?: boolean;
  urlCaFile?: string;
  database?: string;
  queue?: string;
  keysDir?: string;
  sharedDir?: string;
  artifactStore?: string;
}

/**
 * Log lines for whoever reads them: JSON (one object a line, for log shippers) or pretty (time, level,
 * message and fields, for a person at a terminal). Pretty is the default on a terminal only.
 */
async function serverLogger(config: Config, format: string | undefined): Promise<Logger> {
  const chosen = format ?? (process.stderr.isTTY ? 'pretty' : 'json');
  if (chosen === 'json') return pino({ level: config.logLevel }, pino.destination(2));
  if (chosen !== 'pretty') {
    throw new ValidationError(`--log-format '${chosen}' is not one of: json, pretty.`, 'logFormat');
  }
  const { default: pretty } = await import('pino-pretty');
  const stream = pretty({
    destination: 2,
    sync: true,
    colorize: process.stderr.isTTY,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
    // One line an event, as the JSON form has: job lifecycle lines stay greppable.
    singleLine: true,
  });
  return pino({ level: config.logLevel }, stream);
}

const NO_AUTH_WARNING = [
  '',
  '!!! WARNING: authentication is OFF (--auth none). Every caller that can reach this server acts as its',
  '!!! owner: anyone can read, change and delete everything. Use this for development on a closed machine',
  '!!! only, never on a shared host or a network address.',
  '',
].join('\n');

/** The flag behind each field of loadConfig's errors, for a value given as a flag. */
const FLAG_OF: Record<string, { flag: string; given: (o: ServeOptions) => unknown }> = {
  port: { flag: '--port', given: (o) => o.port },
  maxWorkers: { flag: '--max-workers', given: (o) => o.maxWorkers },
  logLevel: { flag: '--log-level', given: (o) => o.logLevel },
  auth: { flag: '--auth', given: (o) => o.auth },
  issuerUrl: { flag: '--issuer-url', given: (o) => o.issuerUrl },
  datastoreRoots: { flag: '--datastore-root', given: (o) => o.datastoreRoot },
  logFormat: { flag: '--log-format', given: (o) => o.logFormat },
  trustProxy: { flag: '--trust-proxy', given: (o) => o.trustProxy },
  allowUrlHosts: { flag: '--allow-url-hosts', given: (o) => o.allowUrlHosts },
  database: { flag: '--database', given: (o) => o.database },
  queue: { flag: '--queue', given: (o) => o.queue },
  artifactStore: { flag: '--artifact-store', given: (o) => o.artifactStore },
};

/**
 * A bad flag value is a usage error (exit 2) that names the flag, the value and the fix, e.g.
 * `--max-workers 'abc': use a whole number from 1 to 1024.`; a bad value from the environment or the
 * config file keeps loadConfig's own message, which names the setting.
 */
function usageError(error: unknown, options: ServeOptions): unknown {
  if (!(error instanceof ValidationError) || error.field === undefined) return error;
  const source = FLAG_OF[error.field];
  if (source === undefined || source.given(options) === undefined) return error;
  const fix = /^Invalid [^']*('[^']*'): (.*)$/s.exec(error.message);
  const message = fix
    ? `${source.flag} ${fix[1] ?? ''}: ${fix[2] ?? ''}`
    : `${source.flag}: ${error.message}`;
  return new CliError(message, { exitCode: 2 });
}

function configOf(options: ServeOptions): Config {
  try {
    if (options.logFormat !== undefined && !['json', 'pretty'].includes(options.logFormat)) {
      throw new ValidationError(
        `Invalid log format '${options.logFormat}': use json or pretty.`,
        'logFormat',
      );
    }
    return loadConfig({
      flags: {
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
        ...(options.host ? { host: options.host } : {}),
        ...(options.port ? { port: options.port } : {}),
        ...(options.config ? { configFile: options.config } : {}),
        ...(options.logLevel ? { logLevel: options.logLevel } : {}),
        ...(options.auth ? { auth: options.auth } : {}),
        ...(options.datastoreRoot ? { datastoreRoots: options.datastoreRoot } : {}),
        ...(options.issuerUrl ? { issuerUrl: options.issuerUrl } : {}),
        ...(options.maxWorkers ? { maxWorkers: options.maxWorkers } : {}),
        ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
        ...(options.allowUrlHosts ? { allowUrlHosts: options.allowUrlHosts } : {}),
        ...(options.allowHttpUrls ? { allowHttpUrls: 'true' } : {}),
        ...(options.urlCaFile ? { urlCaFile: options.urlCaFile } : {}),
        ...(options.database ? { database: options.database } : {}),
        ...(options.queue ? { queue: options.queue } : {}),
        ...(options.keysDir ? { keysDir: options.keysDir } : {}),
        ...(options.sharedDir ? { sharedDir: options.sharedDir } : {}),
        ...(options.artifactStore ? { artifactStore: options.artifactStore } : {}),
      },
      env: process.env,
    });
  } catch (error) {
    throw usageError(error, options);
  }
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'Start the Nightshift service: embedded (SQLite in the data dir) by default, or scaled out on PostgreSQL and Redis.',
    )
    .option('--data-dir <dir>', 'data directory (env NIGHTSHIFT_DATA_DIR, default ./.nightshift)')
    .option('--host <host>', 'address to listen on (env NIGHTSHIFT_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on; 0 picks a free port (env NIGHTSHIFT_PORT, default 8080)')
    .option('--config <file>', 'JSON config file (env NIGHTSHIFT_CONFIG)')
    .option('--log-level <level>', 'server log level on stderr (default info)')
    .option('--log-format <format>', "'pretty' (default on a terminal) or 'json' (one object a line)")
    .option(
      '--max-workers <n>',
      'live worker processes across all jobs (env NIGHTSHIFT_MAX_WORKERS, default: cores)',
    )
    .option(
      '--datastore-root <dir>',
      'a folder local-folder datastores may lie under; repeatable (env NIGHTSHIFT_DATASTORE_ROOTS, default <data-dir>/datastores)',
      (dir: string, dirs: string[] | undefined) => [...(dirs ?? []), dir],
    )
    .option(
      '--auth <mode>',
      "'token' (default): every API call needs a bearer token; 'none': no checks, for development only",
    )
    .option(
      '--issuer-url <url>',
      "base of our tokens' issuer (env NIGHTSHIFT_ISSUER_URL; default: first start's URL)",
    )
    .option(
      '--trust-proxy <hops|addresses>',
      'believe X-Forwarded-For from this many proxies, or from these addresses/CIDRs (comma-separated); ' +
        'off by default (env NIGHTSHIFT_TRUST_PROXY)',
    )
    .option(
      '--allow-url-hosts <hosts>',
      'hosts, addresses or CIDRs (each optionally :PORT, comma-separated) that URL inputs may read though ' +
        'not public; by default only public addresses are fetched (env NIGHTSHIFT_ALLOW_URL_HOSTS)',
    )
    .option(
      '--allow-http-urls',
      'let URL inputs use plain http, not only https (env NIGHTSHIFT_ALLOW_HTTP_URLS)',
    )
    .option(
      '--url-ca-file <pem>',
      'extra certificate authorities trusted when reading https URL inputs (env NIGHTSHIFT_URL_CA_FILE)',
    )
    .option(
      '--database <url>',
      'scale out: PostgreSQL for the metadata, postgresql://USER@HOST:PORT/DB (env NIGHTSHIFT_DATABASE_URL); needs --queue',
    )
    .option(
      '--queue <url>',
      'scale out: Redis for the task queue, redis://HOST:PORT (env NIGHTSHIFT_QUEUE_URL); needs --database',
    )
    .option(
      '--keys-dir <dir>',
      'where the signing keys, the secret box key and the issuer live (env NIGHTSHIFT_KEYS_DIR, default the data dir); servers that scale out together share one',
    )
    .option(
      '--shared-dir <dir>',
      "where the built-in datastores' folders live (env NIGHTSHIFT_SHARED_DIR, default the data dir); servers that scale out together share one",
    )
    .option(
      '--artifact-store <datastore>',
      'scale out: the datastore (Blob, ADLS or S3) through which `nightshift worker` processes get models and code and return parts (env NIGHTSHIFT_ARTIFACT_STORE)',
    )
    .action(async (options: ServeOptions) => {
      const config = configOf(options);
      // Loaded here, not at the top: other commands should not pay for the server's start-up.
      const { createApp } = await import('../../app.ts');
      const app = await createApp(config, { logger: await serverLogger(config, options.logFormat) });
      const url = await app.start();
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`${signal} received, shutting down\n`);
        app.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => {
        shutdown('SIGINT');
      });
      process.on('SIGTERM', () => {
        shutdown('SIGTERM');
      });
      // Announced only once the handlers are in place: a supervisor that signals as soon as it reads the
      // line must get a clean shutdown, not the default action that kills the process mid-write.
      if (config.auth.mode === 'none') process.stderr.write(`${NO_AUTH_WARNING}\n`);
      process.stdout.write(`listening on ${url}\n`);
      process.stdout.write(`studio at ${url}/studio/?code=${app.services.studio.signIn.code}\n`);
    });
}
