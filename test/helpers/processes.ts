/**
 * What tests ask Linux's /proc about processes: whether one is alive (a zombie waiting to be reaped counts
 * as gone, and with `running` a pid reused by another program does too), and which children of a process
 * run a given program.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The one-letter state of `pid` from /proc/PID/stat; undefined when there is no such process. */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return /\)\s+(\S)/.exec(stat.slice(stat.lastIndexOf(')')))?.[1];
  } catch {
    return undefined;
  }
}

/** The command line of `pid` (arguments joined by NUL); '' when it is gone. */
function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Whether `pid` is a live process; with `running`, also whether its command line contains that text, so
 * that a pid reused by something else does not count.
 */
export function isAlive(pid: number, running?: string): boolean {
  const state = stateOf(pid);
  if (state === undefined || state === 'Z' || state === 'X') return false;
  return running === undefined || cmdlineOf(pid).includes(running);
}

/** The live children of `parent` (any of its threads) whose command line contains `running`. */
export function childrenRunning(parent: number, running: string): number[] {
  const found: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${parent}/task`);
  } catch {
    return found;
  }
  for (const task of tasks) {
    let children: string[];
    try {
      children = readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8').split(/\s+/);
    } catch {
      continue; // the thread ended while we looked
    }
    for (const pid of children.filter(Boolean).map(Number)) if (isAlive(pid, running)) found.push(pid);
  }
  return found;
}

/**
 * Ends a child process the test started and resolves once it has exited: SIGTERM, then SIGKILL if it is
 * still there after `graceMs`. Safe to call on one that has already ended, so `t.after` can call it on
 * every path.
 */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise<void>((resolve) =>
    child.once('close', () => {
      resolve();
    }),
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await closed;
  clearTimeout(timer);
}
