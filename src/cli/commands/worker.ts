/**
 * `nightshift worker`: joins a compute from any machine that reaches the deployment's PostgreSQL and
 * Redis (and the datastores its jobs read), and scores the mini-batches of that compute's jobs. Prints
 * exactly one line when it has joined (`worker NAME joined compute C`), and on SIGINT / SIGTERM lets
 * its running attempts finish before it leaves.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { readLeaseMs, readScaleOut } from '../../config-scale-out.ts';
import { parseCount, readCacheMax } from '../../config.ts';
import { readStorageIdentity } from '../../config-storage-identity.ts';
import { checkComputeName } from '../../core/computes.ts';
import { ValidationError } from '../../core/errors.ts';
import { CliError } from '../client.ts';

interface WorkerOptions {
  database?: string;
  queue?: string;
  keysDir?: string;
  compute?: string;
  concurrency?: string;
  workDir?: string;
  name?: string;
  logLevel?: string;
}

/** A bad or missing setting is a usage error (exit 2) whose message names the flag and the fix. */
function settings(options: WorkerOptions, env: NodeJS.ProcessEnv) {
  try {
    const scaleOut = readScaleOut(
      options.database ?? env.NIGHTSHIFT_DATABASE_URL,
      options.queue ?? env.NIGHTSHIFT_QUEUE_URL,
    );
    if (!scaleOut) {
      throw new ValidationError(
        "A worker needs the servers' --database (PostgreSQL) and --queue (Redis), or NIGHTSHIFT_DATABASE_URL and NIGHTSHIFT_QUEUE_URL.",
        'database',
      );
    }
    const keysDir = options.keysDir ?? env.NIGHTSHIFT_KEYS_DIR;
    if (keysDir === undefined) {
      throw new ValidationError(
        "A worker needs --keys-dir (or NIGHTSHIFT_KEYS_DIR): a folder holding a copy of the servers' secret-box.key, which opens the datastores' credentials.",
        'keysDir',
      );
    }
    return {
      database: scaleOut.database,
      queue: scaleOut.queue,
      keysDir: resolve(keysDir),
      ...(options.compute
        ? { compute: checkComputeName(options.compute.replace(/^azureml:/, ''), 'compute') }
        : {}),
      concurrency: parseCount(options.concurrency ?? String(availableParallelism()), 'concurrency', 1),
      workDir: resolve(options.workDir ?? env.NIGHTSHIFT_WORKER_DIR ?? '.nightshift-worker'),
      leaseMs: readLeaseMs(env.NIGHTSHIFT_LEASE_MS),
      cacheMaxBytes: readCacheMax(env.NIGHTSHIFT_CACHE_MAX_BYTES),
      identity: readStorageIdentity(env),
      ...(options.name ? { name: options.name } : {}),
    };
  } catch (error) {
    if (error instanceof ValidationError) throw new CliError(error.message, { exitCode: 2 });
    throw error;
  }
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description("Join a compute from this machine and score its jobs' mini-batches (scaled out).")
    .option(
      '--database <url>',
      "the servers' PostgreSQL, postgresql://USER@HOST:PORT/DB (env NIGHTSHIFT_DATABASE_URL)",
    )
    .option('--queue <url>', "the servers' Redis, redis://HOST:PORT (env NIGHTSHIFT_QUEUE_URL)")
    .option(
      '--keys-dir <dir>',
      "a folder with a copy of the servers' secret-box.key (env NIGHTSHIFT_KEYS_DIR)",
    )
    .option('--compute <name>', 'the compute to join (default: every compute but local)')
    .option('--concurrency <n>', 'scoring processes at once on this machine (default: cores)')
    .option(
      '--work-dir <dir>',
      "this worker's cache and scratch folder (env NIGHTSHIFT_WORKER_DIR, default ./.nightshift-worker)",
    )
    .option('--name <name>', 'the name it is listed under (default HOST-PID-RANDOM)')
    .option('--log-level <level>', 'log level on stderr (default info)')
    .action(async (options: WorkerOptions) => {
      const config = settings(options, process.env);
      const logger = pino({ level: options.logLevel ?? 'info' }, pino.destination(2));
      // Loaded here, not at the top: other commands should not pay for the worker's start-up.
      const { createRemoteWorker } = await import('../../worker/remote-worker.ts');
      const worker = await createRemoteWorker(config, logger);
      await worker.start();
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`${signal} received, finishing running mini-batches\n`);
        worker.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`stopping failed: ${(error as Error).message}\n`);
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
      process.stdout.write(
        `worker ${worker.name} joined compute ${config.compute ?? '* (every compute but local)'}\n`,
      );
    });
}
