/**
 * Jobs a restarted server cannot carry on as they were, with real server processes on one data dir: a
 * server is killed (SIGKILL) with five jobs open; while it is down one job's input folder is deleted, one
 * job's model snapshot is deleted, and the store is left as a crash would leave it mid-cancel
 * (`CancelRequested`) or mid-end (`Finalizing`). The next server ends every one of them once, with the
 * status its story asks for (a cancel asked for ends Canceled, a job that cannot be planned Failed with a
 * first error that names what is missing), keeps serving, and logs each ending once; a third server
 * finds nothing left to resume.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startServeProcess, type ServeProcess } from '../helpers/cli.ts';
import { folderBody, Nightshift, uniqueName, type JobView } from '../helpers/jobs.ts';

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

  after(async () => {
    for (const server of servers) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

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
    await third.ready;
    third.child.kill('SIGTERM');
    const last = await third.exited;
    assert.equal(last.code, 0, last.stderr);
    for (const job of Object.values(jobs)) assert.deepEqual(jobEvents(last.stderr, job.name), []);
  });
});
