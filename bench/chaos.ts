/**
 * `npm run chaos [TRIALS]`: nothing lost, nothing doubled, whatever dies. Two `nightshift serve`
 * processes scaled out on a PostgreSQL database of the run's own and a private `redis-server` (so Redis
 * can be killed without touching anyone else's), sharing a keys dir and a shared dir. Each trial invokes
 * a job of 40 one-line files through a random server and, at a random moment while it runs, does one
 * random harm: kill -9 one server (started again a moment later on the same data dir), kill Redis and
 * start it again empty, or cut every PostgreSQL connection and refuse new ones for a few seconds. The
 * job must Complete with each input in its output exactly once. Prints one line a trial, then
 * `trials passed N/N, rows lost L, rows doubled D`, and exits non-zero unless every trial passed.
 * Needs PostgreSQL (NIGHTSHIFT_TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test) and
 * Debian's redis-server. Workers on other machines (`nightshift worker`) are not in the harms yet.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServeProcess, type ServeProcess } from '../test/helpers/cli.ts';
import { folderBody, Nightshift, smallFiles, type JobView } from '../test/helpers/jobs.ts';
import { startPrivateRedis, type PrivateRedis } from '../test/helpers/redis.ts';
import {
  adminQuery,
  createTestDatabase,
  SLEEPY_SCRIPT,
  type TestDatabase,
} from '../test/helpers/scale-out.ts';

const TRIALS = Number(process.argv[2] ?? process.env.CHAOS_TRIALS ?? 20);
const FILES = 40;
const HARMS = ['kill server a', 'kill server b', 'restart Redis empty', 'cut PostgreSQL'] as const;
type Harm = (typeof HARMS)[number];

const random = (min: number, max: number) => min + Math.random() * (max - min);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

interface Cluster {
  root: string;
  database: TestDatabase;
  redis: PrivateRedis;
  servers: Map<'a' | 'b', { process: ServeProcess; client: Nightshift }>;
}

async function startServer(cluster: Cluster, name: 'a' | 'b'): Promise<void> {
  const { root } = cluster;
  const process = startServeProcess(join(root, name), [
    ...['--database', cluster.database.url, '--queue', cluster.redis.url],
    ...['--keys-dir', join(root, 'keys'), '--shared-dir', join(root, 'shared')],
    ...['--config', join(root, 'config.json'), '--log-format', 'json'],
  ]);
  const client = await Nightshift.connect(await process.ready);
  const entry = { process, client };
  cluster.servers.set(name, entry);
  // A server that ends without being killed by a harm is a finding: say why, and run on without it.
  void process.exited.then((exit) => {
    if (cluster.servers.get(name) !== entry) return;
    cluster.servers.delete(name);
    const tail = exit.stderr.trim().split('\n').slice(-15).join('\n');
    console.log(`server ${name} ended by itself (${String(exit.code ?? exit.signal)}):\n${tail}`);
  });
}

/** A client of a live server, the other one when one is down. */
function anyClient(cluster: Cluster): Nightshift {
  const live = [...cluster.servers.values()];
  return pick(live).client;
}

async function harm(cluster: Cluster, what: Harm): Promise<void> {
  if (what === 'restart Redis empty') {
    await cluster.redis.kill();
    await sleep(random(200, 1500));
    await cluster.redis.restart();
  } else if (what === 'cut PostgreSQL') {
    const { name } = cluster.database;
    await adminQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    await sleep(random(500, 3000));
    await adminQuery(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
  } else {
    const name = what === 'kill server a' ? 'a' : 'b';
    const server = cluster.servers.get(name);
    if (!server) return;
    cluster.servers.delete(name);
    server.process.child.kill('SIGKILL');
    await server.process.exited;
    await sleep(random(200, 2000));
    await startServer(cluster, name);
  }
}

/** Polls any live server until the job ends (a server may die while it is asked). */
async function ended(cluster: Cluster, job: string, timeoutMs: number): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const view = await anyClient(cluster).job(job);
      if (['Completed', 'Failed', 'Canceled'].includes(view.properties.status)) return view;
    } catch {
      // That server went away between the pick and the call: ask again.
    }
    if (Date.now() > deadline) throw new Error(`job ${job} did not end within ${String(timeoutMs / 1000)} s`);
    await sleep(250);
  }
}

async function trial(cluster: Cluster, n: number, scoringUri: string) {
  const files = smallFiles(FILES, `t${String(n)}-`);
  const client = anyClient(cluster);
  await client.uploadFiles(`chaos/t${String(n)}`, files);
  const started = Date.now();
  // The path only: the URL names the server the endpoint was made through, which may have moved port.
  const job = await client.start(new URL(scoringUri).pathname, folderBody(`chaos/t${String(n)}`));
  const at = random(300, 3000);
  await sleep(at);
  const what = pick(HARMS);
  await harm(cluster, what);
  const view = await ended(cluster, job.name, 180_000);
  const lines = view.properties.status === 'Completed' ? await anyClient(cluster).outputLines(view) : [];
  const seen = new Map<string, number>();
  for (const line of lines) seen.set(line, (seen.get(line) ?? 0) + 1);
  const lost = Object.keys(files).filter((name) => !seen.has(name)).length;
  const doubled = [...seen.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0);
  const ok = view.properties.status === 'Completed' && lost === 0 && doubled === 0;
  const took = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `trial ${String(n)}/${String(TRIALS)}: ${what} at ${(at / 1000).toFixed(1)} s → ${view.properties.status}, ` +
      `${String(lines.length)} rows, lost ${String(lost)}, doubled ${String(doubled)} (${took} s)${ok ? '' : '  FAILED'}`,
  );
  return { ok, lost, doubled };
}

async function main(): Promise<boolean> {
  const root = mkdtempSync(join(tmpdir(), 'nightshift-chaos-'));
  writeFileSync(join(root, 'config.json'), JSON.stringify({ leaseMs: 2000 }));
  const cluster: Cluster = {
    root,
    database: await createTestDatabase(),
    redis: await startPrivateRedis(),
    servers: new Map(),
  };
  try {
    await startServer(cluster, 'a');
    await startServer(cluster, 'b');
    const { scoringUri } = await anyClient(cluster).deploy({
      script: SLEEPY_SCRIPT,
      settings: { miniBatchSize: 2, maxConcurrencyPerInstance: 2, maxRetries: 0 },
    });
    let passed = 0;
    let lost = 0;
    let doubled = 0;
    for (let n = 1; n <= TRIALS; n++) {
      const result = await trial(cluster, n, scoringUri);
      if (result.ok) passed++;
      lost += result.lost;
      doubled += result.doubled;
    }
    console.log(
      `trials passed ${String(passed)}/${String(TRIALS)}, rows lost ${String(lost)}, rows doubled ${String(doubled)}`,
    );
    return passed === TRIALS;
  } finally {
    for (const [name, { process }] of [...cluster.servers]) {
      cluster.servers.delete(name);
      process.child.kill('SIGTERM');
      await process.exited;
    }
    await cluster.redis.kill();
    await cluster.database.drop();
    rmSync(root, { recursive: true, force: true });
  }
}

process.exitCode = (await main()) ? 0 : 1;
