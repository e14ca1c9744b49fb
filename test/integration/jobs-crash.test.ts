/**
 * Crash safety with real server processes: `nightshift serve` runs a job of many small mini-batches
 * (a script that sleeps about 100 ms per file), is killed with SIGKILL once some mini-batches have
 * succeeded, and is started again on the same data dir. The job resumes and Completes, and its output
 * holds every input exactly once (no duplicates, none missing). No worker process of the killed server
 * is left running: workers exit when their parent dies. At the default log level each server logs the
 * job's lifecycle, one line per event: invoked and started, then resumed and ended (with its counts).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServeProcess, type ServeProcess } from '../helpers/cli.ts';
import { folderBody, Nightshift, smallFiles } from '../helpers/jobs.ts';
import { isAlive } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';

const SLEEPY_SCRIPT = {
  file: 'sleepy.mjs',
  source: `import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
export async function run(miniBatch) {
  const out = [];
  for (const file of miniBatch) {
    await sleep(100);
    out.push(basename(file));
  }
  return out;
}
`,
};

/** Worker pids the server logged for a job (`processN started with pid P` in sys/node/<node>/_main.txt). */
async function workerPids(ns: Nightshift, job: string): Promise<number[]> {
  const text = await ns.logsUnder(job, 'sys/node/');
  return [...text.matchAll(/started with pid (\d+)/g)].map((m) => Number(m[1]));
}

/** The messages a server logged (JSON lines on stderr) about one job, in order. */
function jobEvents(stderr: string, job: string): string[] {
  return stderr.split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { job?: string; msg?: string };
      return entry.job === job && entry.msg ? [entry.msg] : [];
    } catch {
      return [];
    }
  });
}

describe('a server killed mid-job', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nightshift-crash-'));
  const servers: ServeProcess[] = [];

  after(async () => {
    for (const server of servers) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('resumes after kill -9 and writes every input exactly once, leaving no orphan workers', async () => {
    const first = startServeProcess(dataDir);
    servers.push(first);
    const ns = await Nightshift.connect(await first.ready);
    const files = smallFiles(60, 'c');
    await ns.uploadFiles('inputs/crash', files);
    const { scoringUri } = await ns.deploy({
      script: SLEEPY_SCRIPT,
      settings: { miniBatchSize: 2, maxConcurrencyPerInstance: 2, maxRetries: 0 },
    });
    const started = await ns.start(scoringUri, folderBody('inputs/crash'));
    const before = await ns.waitUntil(started.name, (j) => j.properties.progress.miniBatches.succeeded >= 3);
    assert.ok(
      before.properties.progress.miniBatches.succeeded < before.properties.progress.miniBatches.total,
      'the job must still be running when the server is killed',
    );
    const pids = await workerPids(ns, started.name);
    assert.ok(pids.length > 0, 'the server logged its worker pids');
    assert.ok(
      pids.some((pid) => isAlive(pid)),
      'workers are running before the kill',
    );

    first.child.kill('SIGKILL');
    const exit = await first.exited;
    assert.equal(exit.signal, 'SIGKILL');
    assert.deepEqual(jobEvents(exit.stderr, started.name), ['job invoked', 'job started']);

    // Workers notice their parent is gone and exit on their own.
    await waitFor("the killed server's worker processes to exit", () => pids.filter((pid) => isAlive(pid)), {
      until: (alive) => alive.length === 0,
      timeoutMs: 10_000,
      show: (alive) => `still running: ${alive.join(', ')}`,
    });

    const second = startServeProcess(dataDir);
    servers.push(second);
    const ns2 = await Nightshift.connect(await second.ready);
    const job = await ns2.waitForJob(started.name, 40_000);
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    assert.deepEqual(job.properties.progress.items, { total: 60, succeeded: 60, failed: 0 });

    const lines = await ns2.outputLines(job);
    const counts = new Map<string, number>();
    for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
    const duplicates = [...counts].filter(([, n]) => n > 1).map(([line]) => line);
    const missing = Object.keys(files).filter((name) => !counts.has(name));
    assert.deepEqual(duplicates, [], 'no input is written twice');
    assert.deepEqual(missing, [], 'no input is missing');
    assert.equal(lines.length, 60);

    second.child.kill('SIGTERM');
    const stopped = await second.exited;
    assert.equal(stopped.code, 0, stopped.stderr);
    const events = jobEvents(stopped.stderr, started.name);
    assert.equal(events[0], 'job resumed after a restart', events.join(' | '));
    assert.match(events.at(-1) ?? '', /^job ended: Completed\. 60 of 60 item\(s\) succeeded/);
  });
});
