/**
 * One worker child process as the pool sees it: fork, the init handshake, one run at a time with a
 * deadline, and a guaranteed end (dispose with a grace period, or SIGKILL).
 *
 * Every wait resolves, whatever the child does: a reply, a timeout or the child's exit all end it, so
 * the pool never hangs on a child that crashed, hung or exited from inside a script. The child's
 * stdout/stderr are piped into the slot's log files.
 */
import type { ChildProcess } from 'node:child_process';
import type { MiniBatchOutcome, RuntimeSettings } from '../../runtimes/contract.ts';
import {
  isChildMessage,
  type ChildMessage,
  type ParentMessage,
  type RunTask,
} from '../../runtimes/worker-protocol.ts';
import type { WorkerLogs } from './worker-logs.ts';

/** How long a dead child's pipes may take to deliver their last output before we stop waiting. */
const DRAIN_MS = 500;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export type InitResult = { ok: true } | { ok: false; message: string; stack?: string };

export type RunResult =
  | { kind: 'done'; outcome: MiniBatchOutcome }
  | { kind: 'exception' | 'timeout' | 'crash'; message: string; stack?: string };

type WorkerEvent = ChildMessage | { type: 'exit' } | { type: 'timeout' };

export interface WorkerProcessOptions {
  settings: RuntimeSettings;
  logs: WorkerLogs;
  initTimeoutMs: number;
  /** The forked child (fresh, or a warm spare); see worker-launcher.ts. */
  child: ChildProcess;
}

export function describeExit(info: ExitInfo): string {
  return info.code !== null ? `exit code ${info.code}` : `signal ${info.signal ?? 'unknown'}`;
}

function seconds(ms: number): string {
  return String(ms / 1000);
}

export class WorkerProcess {
  /** Resolves once init() succeeded or failed (a crash or hang during init is a failure). */
  readonly ready: Promise<InitResult>;
  /** Resolves when the child process has exited. */
  readonly exited: Promise<ExitInfo>;
  /** Resolves when the child has exited and its output pipes are drained (or gave up draining). */
  readonly closed: Promise<void>;
  #child: ChildProcess;
  #exit: ExitInfo | undefined;
  #waiter: ((event: WorkerEvent) => void) | undefined;

  constructor(options: WorkerProcessOptions) {
    this.#child = options.child;
    const child = this.#child;
    child.stdout?.pipe(options.logs.stdout.stream(), { end: false });
    child.stderr?.pipe(options.logs.stderr.stream(), { end: false });
    child.on('message', (message: unknown) => {
      if (isChildMessage(message)) this.#waiter?.(message);
    });
    this.exited = new Promise((resolve) => {
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.#exit !== undefined) return;
        this.#exit = { code, signal };
        resolve(this.#exit);
        this.#waiter?.({ type: 'exit' });
      };
      child.on('exit', onExit);
      // A child that could not be spawned at all emits 'error' and never 'exit'.
      child.on('error', () => {
        if (child.pid === undefined) onExit(null, null);
      });
    });
    // Listened for from the start: 'close' can follow 'exit' within the same tick.
    const pipesClosed = new Promise<void>((resolve) =>
      child.once('close', () => {
        resolve();
      }),
    );
    this.closed = this.exited.then(() => this.#drain(pipesClosed));
    this.ready = this.#init(options);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get alive(): boolean {
    return this.#exit === undefined;
  }

  async run(task: RunTask, timeoutMs: number): Promise<RunResult> {
    const event = await this.#request({ type: 'run', ...task }, timeoutMs);
    switch (event.type) {
      case 'done':
        return { kind: 'done', outcome: event.outcome };
      case 'failed':
        return event.stack === undefined
          ? { kind: 'exception', message: event.message }
          : { kind: 'exception', message: event.message, stack: event.stack };
      case 'timeout':
        // Its half-written temp part goes with its scratch folder (see worker-launcher.ts).
        await this.kill();
        return {
          kind: 'timeout',
          message: `mini batch ${task.miniBatchId} did not finish in ${seconds(timeoutMs)} seconds. Stopping this process.`,
        };
      default:
        return { kind: 'crash', message: await this.#crashMessage(`running mini batch ${task.miniBatchId}`) };
    }
  }

  /** Asks the child to dispose its runtime and exit; kills it when it takes longer than `graceMs`. */
  async dispose(graceMs: number): Promise<void> {
    if (this.#exit !== undefined) return;
    this.#send({ type: 'dispose' });
    const timer = setTimeout(() => {
      this.#child.kill('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL now; resolves once the process is gone (reaped), so its pid is free afterwards. */
  async kill(): Promise<void> {
    if (this.#exit === undefined) this.#child.kill('SIGKILL');
    await this.exited;
  }

  async #init(options: WorkerProcessOptions): Promise<InitResult> {
    const event = await this.#request({ type: 'init', settings: options.settings }, options.initTimeoutMs);
    switch (event.type) {
      case 'ready':
        return { ok: true };
      case 'init-failed':
        return event.stack === undefined
          ? { ok: false, message: event.message }
          : { ok: false, message: event.message, stack: event.stack };
      case 'timeout':
        await this.kill();
        return { ok: false, message: `init() did not finish in ${seconds(options.initTimeoutMs)} seconds.` };
      default:
        return { ok: false, message: await this.#crashMessage('in init()') };
    }
  }

  /** Sends a request and waits for the child's next reply, its exit, or the deadline. */
  #request(message: ParentMessage, timeoutMs: number): Promise<WorkerEvent> {
    return new Promise((resolve) => {
      const finish = (event: WorkerEvent): void => {
        clearTimeout(timer);
        this.#waiter = undefined;
        resolve(event);
      };
      const timer = setTimeout(() => {
        finish({ type: 'timeout' });
      }, timeoutMs);
      this.#waiter = finish;
      if (this.#exit !== undefined) finish({ type: 'exit' });
      else this.#send(message);
    });
  }

  #send(message: ParentMessage): void {
    // The callback swallows send errors: a dead channel shows up as the 'exit' event instead.
    if (this.#child.connected) this.#child.send(message, () => undefined);
  }

  async #crashMessage(during: string): Promise<string> {
    const info = await this.exited;
    return `The worker process ended with ${describeExit(info)} while ${during}.`;
  }

  /** Waits for the last output; a grandchild holding our pipes open must not keep us waiting. */
  async #drain(pipesClosed: Promise<void>): Promise<void> {
    const child = this.#child;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)));
    await Promise.race([pipesClosed, gaveUp]);
    clearTimeout(timer);
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
}
