/**
 * How worker processes come to be and go. Each is forked from worker-main.ts with the server's loader
 * flags, at a lower CPU priority than the server (so the server keeps answering `/healthz` and renewing
 * leases while workers score), and with its own scratch folder `<dataDir>/tmp/workers/<id>` as TMPDIR:
 * the warm-up file, temp parts, the Python runtime's row files and whatever a script puts in its temp
 * dir land there. The folder is removed when the process exits, and `sweep()` removes what a crashed
 * server left. Nothing a worker writes for itself goes outside the data dir.
 *
 * The launcher forks; it does not count. Callers fork only under a permit of `capacity` (pool slots and
 * spares hold one each), which is what keeps the number of live workers at or under the cap.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { constants, setPriority } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRELOAD_FLAG, SCRATCH_FLAG } from '../../runtimes/worker-protocol.ts';
import type { WorkerCapacity } from './capacity.ts';

const workerEntry = fileURLToPath(new URL('../../runtimes/worker-main.ts', import.meta.url));

export interface WorkerLauncher {
  readonly capacity: WorkerCapacity;
  /** Forks a worker; `preload` asks it to import the runtimes while it waits for init (a spare). */
  fork(preload?: boolean): ChildProcess;
  /** Removes the scratch a previous run of the server left behind (call before any worker exists). */
  sweep(): Promise<void>;
  /** Resolves once the scratch folders of every exited worker are gone. */
  settled(): Promise<void>;
}

/** The data dir's scratch root; everything under it is disposable and swept at start. */
function scratchRoot(dataDir: string): string {
  return join(dataDir, 'tmp');
}

/**
 * The parent's flags, minus those that must not be repeated in a child: a debugger port would clash,
 * and test-runner or watch flags would turn the worker into something else. Type stripping and
 * loaders stay, so the child runs .ts like its parent.
 */
function workerExecArgv(): string[] {
  return process.execArgv.filter((arg) => !/^--(inspect|debug|test|watch)(-[a-z-]+)?(=|$)/.test(arg));
}

function lowerPriority(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    setPriority(child.pid, constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    // The child already exited, or the system refuses; it then runs at the server's priority.
  }
}

export function createWorkerLauncher(options: { dataDir: string; capacity: WorkerCapacity }): WorkerLauncher {
  const workers = join(scratchRoot(options.dataDir), 'workers');
  const removals = new Set<Promise<void>>();

  function removeWhenGone(child: ChildProcess, scratch: string): void {
    child.once('exit', () => {
      const removal = rm(scratch, { recursive: true, force: true }).catch(() => undefined);
      removals.add(removal);
      void removal.finally(() => removals.delete(removal));
    });
  }

  return {
    capacity: options.capacity,
    fork(preload = false) {
      // The child creates its folder itself, so forking costs the server no file system call.
      const scratch = join(workers, `w-${randomUUID().slice(0, 8)}`);
      const child = fork(workerEntry, [...(preload ? [PRELOAD_FLAG] : []), SCRATCH_FLAG, scratch], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        execArgv: workerExecArgv(),
      });
      lowerPriority(child);
      removeWhenGone(child, scratch);
      return child;
    },
    async sweep() {
      await rm(scratchRoot(options.dataDir), { recursive: true, force: true });
    },
    async settled() {
      while (removals.size > 0) await Promise.all([...removals]);
    },
  };
}
