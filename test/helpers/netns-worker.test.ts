/**
 * startWorkerInNetns's spawn, with a stand-in repository whose src/cli/main.ts reports what it was given
 * (the real `nightshift worker` is the scale-out tests' subject, not this one's): loopback URLs in the
 * arguments, in `--flag=URL` form and in the environment reach it rewritten to the veth's forwarders,
 * everything else unchanged; it runs with the hidden data dir absent, in a PID namespace of its own under a
 * hostname of its own; and SIGKILL to its host pid (`workerPid`) ends it and what it started.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { needs, NETNS } from './components.ts';
import { startWorkerInNetns } from './netns-worker.ts';
import { childrenRunning, isAlive } from './processes.ts';
import { waitFor } from './wait.ts';

const components = await needs(NETNS);

/** Prints what it got as one JSON line, starts a child that lives as long as it does, then waits. */
const STAND_IN_MAIN = `
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
console.log(JSON.stringify({
  argv: process.argv.slice(2),
  queue: process.env.NIGHTSHIFT_QUEUE_URL,
  plain: process.env.PLAIN,
  pid: process.pid,
  hostname: hostname(),
  dataDir: existsSync(process.env.DATA_DIR),
}));
setInterval(() => {}, 1000);
`;

interface Reported {
  argv: string[];
  queue: string;
  plain: string;
  pid: number;
  hostname: string;
  dataDir: boolean;
}

void describe('startWorkerInNetns', components, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'ns-netns-worker-'));
  after(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  test('rewrites loopback URLs, hides the data dir, and dies whole on SIGKILL', async () => {
    const repoDir = join(scratch, 'repo');
    mkdirSync(join(repoDir, 'src', 'cli'), { recursive: true });
    writeFileSync(join(repoDir, 'src', 'cli', 'main.ts'), STAND_IN_MAIN);
    const hidden = join(scratch, 'server');
    mkdirSync(join(hidden, 'data'), { recursive: true });
    const worker = await startWorkerInNetns({
      repoDir,
      hide: [hidden],
      args: ['--database', 'postgresql://postgres@127.0.0.1:5432/test', '--queue=redis://localhost:6379'],
      env: {
        NIGHTSHIFT_QUEUE_URL: 'redis://127.0.0.1:6379/2',
        PLAIN: 'not a url',
        DATA_DIR: join(hidden, 'data'),
      },
    });
    try {
      const line = await waitFor('the stand-in to report', () => worker.output(), {
        until: (out) => out.includes('\n'),
      });
      const seen = JSON.parse(line) as Reported;
      const [database, queue] = [await worker.host.forward(5432), await worker.host.forward(6379)];
      assert.deepEqual(seen.argv, [
        'worker',
        '--database',
        `postgresql://postgres@${database.host}:${String(database.port)}/test`,
        `--queue=redis://${queue.host}:${String(queue.port)}`,
      ]);
      assert.equal(seen.queue, `redis://${queue.host}:${String(queue.port)}/2`);
      assert.equal(seen.plain, 'not a url');
      assert.equal(seen.hostname, worker.host.name);
      assert.equal(seen.dataDir, false);
      const pid = worker.workerPid();
      assert.ok(pid !== undefined && pid !== worker.child.pid);
      assert.ok(seen.pid < pid, `pid ${String(seen.pid)} inside, ${String(pid)} here`);
      const [sleeper] = childrenRunning(pid, 'sleep');
      assert.ok(sleeper !== undefined);
      const exited = new Promise((resolve) => {
        worker.child.once('exit', (code) => {
          resolve(code);
        });
      });
      process.kill(pid, 'SIGKILL');
      // The init script exits with the worker's status; the kernel then kills the rest inside.
      assert.equal(await exited, 128 + 9);
      await waitFor('its child to be killed too', () => !isAlive(sleeper));
    } finally {
      await worker.close();
    }
  });
});
