/**
 * Crash safety with real server processes: `nightshift serve` runs a job of many small mini-batches
 * (a script that sleeps about 100 ms per file), is killed with SIGKILL once some mini-batches have
 * succeeded, and is started again on the same data dir. The job resumes and Completes, and its output
 * holds every input exactly once (no duplicates, none missing). No worker process of the killed server
 * is left running: workers exit when their parent dies. At the default log level each server logs the
 * job's lifecycle, one line per event: invoked and started, then resumed and ended (with its counts).
 *
 * Then jobs a restarted server cannot carry on as they were: a server is killed with five jobs open;
 * while it is down one job's input folder is deleted, one job's model snapshot is deleted, and the store
 * is left as a crash would leave it mid-cancel (`CancelRequested`) or mid-end (`Finalizing`). The next
 * server ends every one of them once, with the status its story asks for (a cancel asked for ends
 * Canceled, a job that cannot be planned Failed with a first error that names what is missing), keeps
 * serving, and logs each ending once; a third server finds nothing left to resume.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startServeProcess, type ServeProcess } from '../helpers/cli.ts';
import { folderBody, Nightshift, smallFiles, uniqueName, type JobView } from '../helpers/jobs.ts';
import { isAlive } from '../helpers/processes.ts';
import { waitFor } from '../helpers/wait.ts';
import { SLEEPY_SCRIPT } from '../helpers/scale-out.ts';

// Holds every worker until the job ends: the jobs are still open when the server is killed.
const HOLDS = {
  file: 'holds.mjs',
  source: `import { setTimeout } from 'node:timers/promises';
export async function run(miniBatch) {
  await setTimeout(600_000);
  return miniBatch;
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

/** Stops the servers a test left running and removes its data dir. */
async function stopAll(servers: readonly ServeProcess[], dataDir: string): Promise<void> {
  for (const server of servers) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
}

describe('a server killed mid-job', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nightshift-crash-'));
  const servers: ServeProcess[] = [];

  after(() => stopAll(servers, dataDir));

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

function setStatus(dataDir: string, job: string, status: string): void {
  const db = new DatabaseSync(join(dataDir, 'metadata.db'));
  try {
    db.prepare('UPDATE jobs SET status = ? WHERE name = ?').run(status, job);
  } finally {
    db.close();
  }
}

describe('a restart with jobs that cannot go on as they were', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nightshift-unplanned-'));
  const blob = join(dataDir, 'datastores', 'workspaceblobstore');
  const servers: ServeProcess[] = [];

  after(() => stopAll(servers, dataDir));

  test('ends each of them once, as Failed or Canceled, and resumes none again', async () => {
    const first = startServeProcess(dataDir);
    servers.push(first);
    const ns = await Nightshift.connect(await first.ready);
    const jobs: Record<'gone' | 'model' | 'cancel' | 'cancelGone' | 'ending', JobView> = {} as never;
    const folders: Record<string, string> = {};
    const models: Record<string, string> = {};
    for (const key of ['gone', 'model', 'cancel', 'cancelGone', 'ending'] as const) {
      const folder = `inputs/${uniqueName(key.toLowerCase())}`;
      await ns.uploadFiles(folder, { 'a.txt': 'a\n', 'b.txt': 'b\n' });
      const model = await ns.registerModel();
      folders[key] = folder;
      models[key] = model.split(':')[1] ?? '';
      const { scoringUri } = await ns.deploy({
        script: HOLDS,
        model,
        settings: { miniBatchSize: 1, timeout: 'PT5M' },
      });
      jobs[key] = await ns.start(scoringUri, folderBody(folder));
    }
    await ns.waitUntil(jobs.gone.name, (job) => job.properties.status === 'Running');
    first.child.kill('SIGKILL');
    await first.exited;

    for (const key of ['gone', 'cancelGone', 'ending'])
      rmSync(join(blob, folders[key] ?? ''), { recursive: true });
    const artifacts = join(dataDir, 'datastores', 'workspaceartifactstore', 'models');
    rmSync(join(artifacts, models.model ?? ''), { recursive: true });
    setStatus(dataDir, jobs.cancel.name, 'CancelRequested');
    setStatus(dataDir, jobs.cancelGone.name, 'CancelRequested');
    setStatus(dataDir, jobs.ending.name, 'Finalizing');

    const second = startServeProcess(dataDir);
    servers.push(second);
    const ns2 = await Nightshift.connect(await second.ready);
    const ended: Record<string, JobView> = {};
    for (const [key, job] of Object.entries(jobs)) ended[key] = await ns2.waitForJob(job.name, 30_000);
    const shown = (key: string) => JSON.stringify(ended[key]?.properties);

    for (const key of ['gone', 'ending', 'model']) {
      const job = ended[key];
      assert.equal(job?.properties.status, 'Failed', shown(key));
      assert.equal(job.properties.error?.code, 'PreparationFailed', shown(key));
      assert.match(job.properties.result ?? '', /^The job could not start: /, shown(key));
      assert.ok(!job.properties.error.message.includes(dataDir), shown(key));
    }
    assert.match(ended.gone?.properties.error?.message ?? '', /input .*does not exist/i, shown('gone'));
    assert.ok(ended.gone?.properties.error?.message.includes(folders.gone ?? ''), shown('gone'));
    assert.match(ended.model?.properties.error?.message ?? '', /model .*does not exist/i, shown('model'));
    for (const key of ['cancel', 'cancelGone']) {
      assert.equal(ended[key]?.properties.status, 'Canceled', shown(key));
    }
    for (const job of Object.values(ended)) {
      const m = job.properties.progress.miniBatches;
      assert.equal(m.pending + m.running, 0, JSON.stringify(job.properties));
    }

    second.child.kill('SIGTERM');
    const stopped = await second.exited;
    assert.equal(stopped.code, 0, stopped.stderr);
    for (const job of Object.values(jobs)) {
      const events = jobEvents(stopped.stderr, job.name);
      assert.equal(events.filter((e) => e.startsWith('job ended: ')).length, 1, events.join(' | '));
      assert.deepEqual(
        events.filter((e) => / failed$/.test(e)),
        [],
        `no step of ${job.name} failed: ${events.join(' | ')}`,
      );
    }

    const third = startServeProcess(dataDir);
    servers.push(third);
    const ns3 = await Nightshift.connect(await third.ready);
    // An answer means the server is past its start-up (and its signal handlers are in place).
    assert.equal((await ns3.waitForJob(jobs.gone.name)).properties.status, 'Failed');
    third.child.kill('SIGTERM');
    const last = await third.exited;
    assert.equal(last.code, 0, last.stderr);
    for (const job of Object.values(jobs)) assert.deepEqual(jobEvents(last.stderr, job.name), []);
  });
});
