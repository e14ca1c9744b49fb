/**
 * The Python driver process (driver.py) as the python runtime sees it: started with the interpreter,
 * one JSON request at a time on its stdin, one JSON reply per request on descriptor 3, and a
 * guaranteed end (ask it to exit, then SIGKILL).
 *
 * Every request settles, whatever the process does: a reply, or its exit, which rejects with a
 * message naming the exit code or signal. The driver's stdout/stderr are the script's print() and
 * logging output, so they go straight to the worker's own stdout/stderr (which the pool already writes
 * into the job's user logs) unless a caller passes streams to copy them into.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

const DRIVER_PATH = fileURLToPath(new URL('./driver.py', import.meta.url));

/** How long a reply may trail the process's exit on its pipe before a pending request gives up. */
const REPLY_DRAIN_MS = 200;

export interface DriverOptions {
  executable: string;
  /** Azure's `--logging_level` value (INFO, WARNING, DEBUG). */
  loggingLevel: string;
  /** The script's working directory. */
  cwd?: string;
  /** Copy the driver's stdout/stderr here instead of sharing the worker's own. */
  stdout?: Writable;
  stderr?: Writable;
}

export interface DriverExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the interpreter could not be started at all. */
  spawnError?: Error;
}

export type DriverReply = Record<string, unknown> & { ok: boolean };

interface Waiter {
  resolve(reply: DriverReply): void;
  reject(error: Error): void;
  /** What the request was doing, for the message when the process ends instead of replying. */
  during: string;
}

function describeDriverExit(exit: DriverExit): string {
  if (exit.spawnError) return `could not be started (${exit.spawnError.message})`;
  return exit.code !== null ? `ended with exit code ${exit.code}` : `ended with signal ${exit.signal ?? '?'}`;
}

function isReply(value: unknown): value is DriverReply {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

export class DriverProcess {
  /** Resolves when the process has exited (or could not be spawned). */
  readonly exited: Promise<DriverExit>;
  readonly #child: ChildProcess;
  readonly #executable: string;
  #waiter: Waiter | undefined;
  #exit: DriverExit | undefined;
  #stopping = false;

  constructor(options: DriverOptions) {
    this.#executable = options.executable;
    const copy = options.stdout !== undefined || options.stderr !== undefined;
    const stdio: StdioOptions = copy
      ? ['pipe', 'pipe', 'pipe', 'pipe']
      : ['pipe', 'inherit', 'inherit', 'pipe'];
    const args = [DRIVER_PATH, '--parent-pid', String(process.pid), '--logging_level', options.loggingLevel];
    this.#child = spawn(options.executable, args, { stdio, ...(options.cwd ? { cwd: options.cwd } : {}) });
    const child = this.#child;
    if (copy) {
      child.stdout?.pipe(options.stdout ?? process.stdout, { end: false });
      child.stderr?.pipe(options.stderr ?? process.stderr, { end: false });
    }
    // A closed stdin (the driver died) must not crash the worker with EPIPE.
    child.stdin?.on('error', () => undefined);
    const replies = child.stdio[3] as Readable | null | undefined;
    const replyEnded = new Promise<void>((resolve) => {
      if (!replies) resolve();
      replies?.once('close', resolve);
      replies?.on('error', () => undefined);
    });
    if (replies)
      createInterface({ input: replies }).on('line', (line) => {
        this.#onLine(line);
      });
    this.exited = new Promise((resolve) => {
      const settle = (exit: DriverExit): void => {
        if (this.#exit !== undefined) return;
        this.#exit = exit;
        resolve(exit);
        void this.#failPending(exit, replyEnded);
      };
      child.once('exit', (code, signal) => {
        settle({ code, signal });
      });
      child.once('error', (error) => {
        if (child.pid === undefined) settle({ code: null, signal: null, spawnError: error });
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get alive(): boolean {
    return this.#exit === undefined;
  }

  /** True once stop() was called: an exit after that is expected, not a crash. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Sends one command and waits for its reply; rejects if the process ends first. */
  request(command: Record<string, unknown>, during: string): Promise<DriverReply> {
    if (this.#waiter !== undefined)
      return Promise.reject(new Error('internal: one driver request at a time'));
    if (this.#exit !== undefined) return Promise.reject(this.#exitError(this.#exit, during));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject, during };
      this.#child.stdin?.write(`${JSON.stringify(command)}\n`);
    });
  }

  /** Asks the driver to exit; kills it when it takes longer than `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    if (this.#exit !== undefined) return;
    this.#child.stdin?.end(`${JSON.stringify({ op: 'exit' })}\n`);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL now; resolves once the process is gone. */
  async kill(): Promise<void> {
    this.#stopping = true;
    if (this.#exit === undefined) this.#child.kill('SIGKILL');
    await this.exited;
  }

  #onLine(line: string): void {
    const waiter = this.#waiter;
    if (waiter === undefined || line.trim() === '') return;
    this.#waiter = undefined;
    let reply: unknown;
    try {
      reply = JSON.parse(line);
    } catch {
      waiter.reject(new Error(`The Python driver sent an unreadable reply: ${line.slice(0, 200)}`));
      return;
    }
    if (isReply(reply)) waiter.resolve(reply);
    else waiter.reject(new Error(`The Python driver sent an unexpected reply: ${line.slice(0, 200)}`));
  }

  /** A reply written just before the exit may still be in the pipe: give it a moment to arrive. */
  async #failPending(exit: DriverExit, replyEnded: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([replyEnded, new Promise((resolve) => (timer = setTimeout(resolve, REPLY_DRAIN_MS)))]);
    clearTimeout(timer);
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(this.#exitError(exit, waiter.during));
  }

  #exitError(exit: DriverExit, during: string): Error {
    if (exit.spawnError) {
      return new Error(
        `The Python interpreter '${this.#executable}' could not be started: ${exit.spawnError.message}. ` +
          `Name an existing interpreter in the environment's python_executable or the server's NIGHTSHIFT_PYTHON.`,
      );
    }
    return new Error(`The Python process ${describeDriverExit(exit)} while ${during}.`);
  }
}
