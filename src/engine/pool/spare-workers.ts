/**
 * A small reserve of worker processes forked ahead of time, with the scoring runtimes already imported,
 * so a job's pool adopts warm processes and pays only for its own init() (loading the model) instead of
 * a fork and a cold module load. Spares are refilled when no job runs, so refilling never competes with
 * scoring for the CPU.
 *
 * A spare holds a permit of the server's worker capacity like any worker: refilling takes only permits
 * that are free (never waits for one), and a pool that adopts a spare takes its permit with it.
 */
import type { ChildProcess } from 'node:child_process';
import type { WorkerPermit } from './capacity.ts';
import type { WorkerLauncher } from './worker-launcher.ts';

/** A warm process and the permit it runs under. */
export interface SpareWorker {
  child: ChildProcess;
  permit: WorkerPermit;
}

export interface SpareWorkers {
  /** A warm child and its permit, or undefined when none is left (the caller forks a cold one). */
  take(): SpareWorker | undefined;
  /** Forks spares up to the reserve size, as far as the capacity has free permits. */
  refill(): void;
  /** Pids of the spares in the reserve now (for a compute's node list). */
  pids(): number[];
  close(): Promise<void>;
}

function isUsable(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && child.connected;
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => {
      resolve();
    });
    child.kill('SIGKILL');
  });
}

export function createSpareWorkers(size: number, launcher: WorkerLauncher): SpareWorkers {
  const spares: SpareWorker[] = [];
  let closed = false;

  function add(permit: WorkerPermit): void {
    const child = launcher.fork(true);
    // Unread output would fill the pipe and stall the child; spares print nothing, but be safe.
    child.stdout?.resume();
    child.stderr?.resume();
    const spare = { child, permit };
    child.once('exit', () => {
      const at = spares.indexOf(spare);
      if (at < 0) return;
      // Still in the reserve, so never adopted: the permit is the reserve's to give back.
      spares.splice(at, 1);
      permit.release();
    });
    spares.push(spare);
  }

  return {
    take() {
      for (;;) {
        const spare = spares.shift();
        if (!spare) return undefined;
        if (isUsable(spare.child)) {
          spare.child.stdout?.pause();
          spare.child.stderr?.pause();
          return spare;
        }
        // Its permit frees up only once the process is surely gone.
        void killed(spare.child).then(() => {
          spare.permit.release();
        });
      }
    },
    refill() {
      while (!closed && spares.length < size) {
        const permit = launcher.capacity.tryAcquire();
        if (!permit) return;
        add(permit);
      }
    },
    pids: () => spares.flatMap((spare) => (spare.child.pid === undefined ? [] : [spare.child.pid])),
    async close() {
      closed = true;
      const all = spares.splice(0);
      await Promise.all(
        all.map((spare) =>
          killed(spare.child).then(() => {
            spare.permit.release();
          }),
        ),
      );
    },
  };
}
