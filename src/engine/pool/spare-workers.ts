/**
 * A small reserve of worker processes forked ahead of time, with the scoring runtimes already imported,
 * so a job's pool adopts warm processes and pays only for its own init() (loading the model) instead of
 * a fork and a cold module load. Spares are refilled when a job ends, not while one runs, so refilling
 * never competes with scoring for the CPU.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Asks a spare child to import the runtimes while it waits; worker-main removes it from argv. */
export const PRELOAD_FLAG = '--nightshift-preload';

const workerEntry = fileURLToPath(new URL('../../runtimes/worker-main.ts', import.meta.url));

/**
 * The parent's flags, minus those that must not be repeated in a child: a debugger port would clash,
 * and test-runner or watch flags would turn the worker into something else. Type stripping and
 * loaders stay, so the child runs .ts like its parent.
 */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((arg) => !/^--(inspect|debug|test|watch)(-[a-z-]+)?(=|$)/.test(arg));
}

/** Forks a fresh worker child; `preload` asks it to import the runtimes while it waits for init. */
export function forkWorker(preload = false): ChildProcess {
  return fork(workerEntry, preload ? [PRELOAD_FLAG] : [], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: workerExecArgv(),
  });
}

export interface SpareWorkers {
  /** A warm child, or undefined when none is left (the caller forks a cold one). */
  take(): ChildProcess | undefined;
  /** Forks spares up to the reserve size (call when the machine is idle, e.g. after a job). */
  refill(): void;
  close(): Promise<void>;
}

export function createSpareWorkers(size: number): SpareWorkers {
  const spares: ChildProcess[] = [];
  let closed = false;

  function add(): void {
    const child = forkWorker(true);
    // Unread output would fill the pipe and stall the child; spares print nothing, but be safe.
    child.stdout?.resume();
    child.stderr?.resume();
    child.once('exit', () => {
      const at = spares.indexOf(child);
      if (at >= 0) spares.splice(at, 1);
    });
    spares.push(child);
  }

  const reserve: SpareWorkers = {
    take() {
      for (;;) {
        const child = spares.shift();
        if (!child) return undefined;
        if (child.exitCode === null && child.signalCode === null && child.connected) {
          child.stdout?.pause();
          child.stderr?.pause();
          return child;
        }
      }
    },
    refill() {
      while (!closed && spares.length < size) add();
    },
    async close() {
      closed = true;
      const all = spares.splice(0);
      await Promise.all(
        all.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) {
                resolve();
                return;
              }
              child.once('exit', () => {
                resolve();
              });
              child.kill('SIGKILL');
            }),
        ),
      );
    },
  };
  return reserve;
}
