/**
 * (g) A burst of invocations against the server-wide worker cap: 50 jobs invoked at once, each asking
 * for two workers, on a server with the default cap (the machine's available parallelism). Prints the
 * most worker processes alive at once (sampled from /proc, and as the scheduler counted its permits)
 * against the cap, and `/healthz` latency while the burst runs against the same server idle, p50 and
 * p99, as ratios. Before the cap, the same burst forked 100 workers on two cores and `/healthz` took
 * seconds.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createBenchClient } from './client.ts';
import { makeCsvFolder } from './data.ts';
import { children } from './memory.ts';

const JOBS = 50;
const IDLE_PROBES = 200;

function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function healthz(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/healthz`);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`/healthz -> ${response.status}`);
  return performance.now() - started;
}

/** Worker processes of this process (the server runs in it): children running worker-main.ts. */
function workerCount(): number {
  return children(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker-main');
    } catch {
      return false;
    }
  }).length;
}

function line(label: string, xs: readonly number[]): string {
  return `  /healthz ${label}  p50 ${percentile(xs, 50).toFixed(2)} ms  p99 ${percentile(xs, 99).toFixed(2)} ms  (${xs.length} requests)`;
}

export async function capacityBench(repoRoot: string, modelFolder: string, dataRoot: string): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ns-bench-burst-'));
  // The burst's inputs are a local-folder datastore: allowed by the operator, as any other.
  const config = loadConfig({
    flags: { dataDir, port: '0', logLevel: 'warn' },
    env: { NIGHTSHIFT_DATASTORE_ROOTS: `${dataRoot}:${dirname(modelFolder)}` },
  });
  const cap = config.engine.maxWorkers;
  console.log(`\n(g) Capacity: ${JOBS} jobs invoked at once, 2 workers asked per job, cap ${cap} workers`);
  const app = await createApp(config);
  const url = await app.start();
  try {
    const client = await createBenchClient(url, modelFolder, (job) => app.scheduler.ended(job), dataDir);
    await client.deploy('bench-burst', { maxConcurrencyPerInstance: 2, miniBatchSize: 1 });
    const datastore = await client.datastore(await makeCsvFolder(dataRoot, 'burst', 2, 5000, repoRoot));
    await sleep(1500); // the spares have warmed up: the server is idle
    const idle: number[] = [];
    for (let i = 0; i < IDLE_PROBES; i++) idle.push(await healthz(url));

    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, workerCount())), 10);
    const loaded: number[] = [];
    let running = true;
    const probing = (async () => {
      while (running) {
        loaded.push(await healthz(url));
        await sleep(10);
      }
    })();
    const started = performance.now();
    const names = await Promise.all(
      Array.from({ length: JOBS }, () => client.invoke('bench-burst', datastore)),
    );
    await Promise.all(names.map((name) => app.scheduler.ended(name)));
    const seconds = (performance.now() - started) / 1000;
    running = false;
    await probing;
    clearInterval(sampler);

    const statuses = await Promise.all(names.map((name) => client.status(name)));
    const completed = statuses.filter((s) => s === 'Completed').length;
    const counted = app.scheduler.capacity.peak();
    console.log(
      `  worker processes alive at once: peak ${peak} (cap ${cap}; the scheduler counted ${counted})`,
    );
    console.log(`  ${completed} of ${JOBS} jobs Completed in ${seconds.toFixed(1)} s`);
    console.log(line('idle      ', idle));
    console.log(line('under load', loaded));
    const ratio = (p: number) => (percentile(loaded, p) / percentile(idle, p)).toFixed(2);
    console.log(`  under load / idle: p50 ${ratio(50)}×, p99 ${ratio(99)}×`);
  } finally {
    await app.stop();
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
