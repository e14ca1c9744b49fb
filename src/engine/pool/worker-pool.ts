/**
 * The worker pool of one job on one node: `size` child processes (instance_count ×
 * max_concurrency_per_instance), each calling the scoring `init()` once and then taking mini-batch
 * attempts one at a time, the way Azure's parallel-run processes do.
 *
 * The pool turns every way an attempt can end into an AttemptResult: the script's answer, an exception,
 * a timeout (the child is SIGKILLed and replaced), a crash (the child is replaced; only that attempt is
 * lost) or an init failure. Init failures are retried up to a bound (Azure: 3 × processes per node);
 * past it the pool answers every queued and later run with the init error instead of hanging. Retrying
 * a failed mini-batch is the engine's decision, not the pool's. No child outlives the pool: close() and
 * kill() resolve only once every child has exited, and a child whose parent dies exits on its own.
 *
 * A slot forks only under a permit of the server's worker capacity (a spare brings its own), keeps it
 * while its process is replaced (always after the old one has exited), and gives it back when the pool
 * ends. Slots without a permit wait for one in the job's turn (`rank`).
 *
 * What the pool writes to the job's log tree is pool-log.ts's; how an attempt ended, attempt-result.ts.
 */
import type { ChildProcess } from 'node:child_process';
import type { RuntimeSettings } from '../../runtimes/contract.ts';
import type { RunTask } from '../../runtimes/worker-protocol.ts';
import type { ErrorScrubber } from '../error-view.ts';
import {
  initFailureResult,
  toAttemptResult,
  WorkerPoolClosedError,
  type AttemptResult,
  type InitFailure,
} from './attempt-result.ts';
import type { PermitRequest, WorkerPermit } from './capacity.ts';
import { createPoolLog, type PoolLog } from './pool-log.ts';
import type { SpareWorkers } from './spare-workers.ts';
import type { WorkerLauncher } from './worker-launcher.ts';
import type { WorkerLogs } from './worker-logs.ts';
import { WorkerProcess, type InitResult } from './worker-process.ts';

export type { RunTask } from '../../runtimes/worker-protocol.ts';

export interface WorkerPoolOptions {
  /** Number of worker processes: instance_count × max_concurrency_per_instance. */
  size: number;
  settings: RuntimeSettings;
  /** retry_settings.timeout, per run() call. */
  timeoutMs: number;
  /** The job's `logs/` folder. */
  logDir: string;
  /** The node name used in log paths and worker names, e.g. `node-0`. */
  node: string;
  /** Rewrites the errors written to the log tree as the job's error views are (error-view.ts). */
  scrub: ErrorScrubber;
  /** Longest wait for one init(); default 3 × timeoutMs + 30 s, Azure's "stuck in init" bound. */
  initTimeoutMs?: number;
  /** Init failures tolerated before the pool gives up; default 3 × size, as Azure's per-node limit. */
  maxInitFailures?: number;
  /** How long close() lets a worker dispose before killing it; default 2 s. */
  closeGraceMs?: number;
  /** Forks workers; its capacity grants the permits they run under. */
  launcher: WorkerLauncher;
  /** The job's turn for permits: lower ranks are served first. */
  rank: number;
  /** Pre-forked warm processes to adopt before forking new ones. */
  spares?: SpareWorkers;
  /** Called when a slot got a worker process, so the caller can hand it work. */
  onWorkerStarted?: () => void;
}

export interface WorkerPool {
  /** Runs one attempt of a mini-batch on the next free worker. Rejects only if the pool is closed. */
  run(task: RunTask): Promise<AttemptResult>;
  /** Starts every worker (init) now rather than at the first run; resolves when all have answered. */
  warm(): Promise<void>;
  /** Stops taking runs, lets running attempts finish, disposes the workers (then kills stragglers). */
  close(): Promise<void>;
  /**
   * Kills every child at once (cancel); running and queued attempts reject with WorkerPoolClosedError.
   * `why` goes into the node's log beside each stopped process (default: the job has ended).
   */
  kill(why?: string): Promise<void>;
  /** Pids of the child processes alive now (for diagnostics and tests). */
  pids(): number[];
  /** Slots that hold a worker permit: how many attempts the pool can run at once now. */
  workers(): number;
  /** The live worker processes, for the compute's node list. */
  processes(): WorkerProcessInfo[];
}

/** One live worker process as the pool knows it. */
export interface WorkerProcessInfo {
  /** `<node>/process<N>`. */
  name: string;
  pid: number;
  /** Starting: forked, init() not answered yet. */
  state: 'starting' | 'idle' | 'busy';
  /** The mini-batch it runs now, if any. */
  miniBatch?: string;
  /** When the pool last heard from it: forked, init() answered, an attempt given or answered. */
  lastSeen: Date;
}

interface Slot {
  /** `<node>/process<N>`: stable across replacements, as the log files are. */
  name: string;
  processName: string;
  logs: WorkerLogs;
  worker: WorkerProcess | undefined;
  ready: boolean;
  busy: boolean;
  permit: WorkerPermit | undefined;
  /** Waiting for a permit. */
  request: PermitRequest | undefined;
  /** The mini-batch of the attempt running now. */
  miniBatch: string | undefined;
  lastSeen: Date;
}

interface Pending {
  task: RunTask;
  queuedAt: number;
  resolve: (result: AttemptResult) => void;
  reject: (error: Error) => void;
}

export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  if (!Number.isInteger(options.size) || options.size < 1) {
    throw new RangeError(`A worker pool needs at least one worker (size ${options.size}).`);
  }
  return new Pool(options);
}

class Pool implements WorkerPool {
  #options: Required<Omit<WorkerPoolOptions, 'spares' | 'onWorkerStarted'>> &
    Pick<WorkerPoolOptions, 'spares' | 'onWorkerStarted'>;
  #slots: Slot[];
  #log: PoolLog;
  #queue: Pending[] = [];
  #state: 'open' | 'closing' | 'killed' = 'open';
  #initFailures = 0;
  #broken: InitFailure | undefined;
  #inFlight = new Set<Promise<void>>();
  #live = new Set<WorkerProcess>();
  #shutdown: Promise<void> | undefined;
  #stopReason = 'the job has ended';

  constructor(options: WorkerPoolOptions) {
    this.#options = {
      ...options,
      initTimeoutMs: options.initTimeoutMs ?? 3 * options.timeoutMs + 30_000,
      maxInitFailures: options.maxInitFailures ?? 3 * options.size,
      closeGraceMs: options.closeGraceMs ?? 2_000,
    };
    const { logDir, node, size } = options;
    const log = createPoolLog(logDir, node, options.scrub);
    this.#log = log;
    this.#slots = Array.from({ length: size }, (_, index) => {
      const processName = `process${index}`;
      const logs: WorkerLogs = log.worker(processName);
      return {
        name: `${node}/${processName}`,
        processName,
        logs,
        worker: undefined,
        ready: false,
        busy: false,
        permit: undefined,
        request: undefined,
        miniBatch: undefined,
        lastSeen: new Date(),
      };
    });
  }

  run(task: RunTask): Promise<AttemptResult> {
    if (this.#state !== 'open') return Promise.reject(new WorkerPoolClosedError());
    return new Promise((resolve, reject) => {
      this.#queue.push({ task, queuedAt: performance.now(), resolve, reject });
      this.#pump();
    });
  }

  async warm(): Promise<void> {
    await Promise.all(this.#slots.map((slot) => this.#start(slot)));
  }

  close(): Promise<void> {
    this.#shutdown ??= this.#closeGracefully();
    return this.#shutdown;
  }

  kill(why = 'the job has ended'): Promise<void> {
    this.#state = 'killed';
    this.#stopReason = why;
    this.#rejectQueued();
    this.#cancelRequests();
    for (const worker of this.#live) void worker.kill();
    this.#shutdown ??= this.#finish();
    return this.#shutdown;
  }

  pids(): number[] {
    return [...this.#live].flatMap((w) => (w.alive && w.pid !== undefined ? [w.pid] : []));
  }

  workers(): number {
    return this.#slots.filter((slot) => slot.permit !== undefined).length;
  }

  processes(): WorkerProcessInfo[] {
    return this.#slots.flatMap((slot) => {
      const worker = slot.worker;
      if (worker?.alive !== true || worker.pid === undefined) return [];
      const state = !slot.ready ? 'starting' : slot.busy ? 'busy' : 'idle';
      const running = slot.busy && slot.miniBatch !== undefined ? { miniBatch: slot.miniBatch } : {};
      return [{ name: slot.name, pid: worker.pid, state, ...running, lastSeen: slot.lastSeen }];
    });
  }

  /** Starts idle slots when work waits, and hands queued attempts to ready workers. */
  #pump(): void {
    const broken = this.#broken;
    if (broken !== undefined) {
      for (const pending of this.#queue.splice(0)) {
        pending.resolve(initFailureResult(broken, performance.now() - pending.queuedAt));
      }
      return;
    }
    if (this.#queue.length === 0) return;
    // All empty slots start together: init() runs in parallel, as Azure's processes do at job start.
    for (const slot of this.#slots) if (slot.worker === undefined) void this.#start(slot);
    for (const slot of this.#slots) {
      const pending = slot.ready && !slot.busy ? this.#queue.shift() : undefined;
      if (pending !== undefined) this.#dispatch(slot, pending);
    }
  }

  /** Fills an empty slot (under a permit it holds, a spare's, or one it waits for); resolves after init(). */
  #start(slot: Slot): Promise<void> {
    if (!this.#accepting() || slot.worker !== undefined || slot.request !== undefined) {
      return Promise.resolve();
    }
    if (slot.permit !== undefined) return this.#fork(slot);
    const spare = this.#options.spares?.take();
    if (spare !== undefined) {
      slot.permit = spare.permit;
      return this.#fork(slot, spare.child);
    }
    const capacity = this.#options.launcher.capacity;
    const permit = capacity.tryAcquire();
    if (permit !== undefined) {
      slot.permit = permit;
      return this.#fork(slot);
    }
    const request = capacity.request(this.#options.rank);
    slot.request = request;
    return request.granted.then((granted) => {
      slot.request = undefined;
      if (granted === undefined) return undefined;
      slot.permit = granted;
      return this.#accepting() ? this.#fork(slot) : undefined;
    });
  }

  #accepting(): boolean {
    return this.#state === 'open' && this.#broken === undefined;
  }

  #fork(slot: Slot, child: ChildProcess = this.#options.launcher.fork()): Promise<void> {
    const worker = new WorkerProcess({
      settings: this.#options.settings,
      logs: slot.logs,
      initTimeoutMs: this.#options.initTimeoutMs,
      child,
    });
    slot.worker = worker;
    slot.ready = false;
    slot.lastSeen = new Date();
    this.#live.add(worker);
    this.#log.started(slot.processName, worker.pid);
    void worker.closed.then(() => this.#live.delete(worker));
    void worker.exited.then((info) => {
      this.#log.exited(slot.processName, info, this.#state === 'open' ? undefined : this.#stopReason);
      this.#onIdleExit(slot, worker);
    });
    this.#options.onWorkerStarted?.();
    return worker.ready.then((result) => {
      this.#onInit(slot, worker, result);
    });
  }

  #onInit(slot: Slot, worker: WorkerProcess, result: InitResult): void {
    if (slot.worker !== worker) return;
    slot.lastSeen = new Date();
    if (result.ok) {
      slot.ready = true;
      this.#pump();
      return;
    }
    if (this.#state !== 'open') {
      // Killed by us because the job ended, not an init() that failed.
      this.#log.stoppedInInit(slot.processName, this.#stopReason);
      return;
    }
    this.#log.initFailed(slot.logs, slot.name, result);
    this.#initFailures += 1;
    if (this.#initFailures >= this.#options.maxInitFailures) {
      const { message, stack } = result;
      this.#broken =
        stack === undefined ? { message, worker: slot.name } : { message, stack, worker: slot.name };
      this.#pump();
    }
    // The replacement forks only once this process is gone, so the slot never runs two.
    void worker.kill().then(() => {
      if (slot.worker === worker) slot.worker = undefined;
      void this.#start(slot);
    });
  }

  /** A ready worker that dies between runs is replaced when there is work (runs and init handle their own). */
  #onIdleExit(slot: Slot, worker: WorkerProcess): void {
    if (slot.worker !== worker || !slot.ready || slot.busy) return;
    slot.worker = undefined;
    slot.ready = false;
    this.#pump();
  }

  #dispatch(slot: Slot, pending: Pending): void {
    const worker = slot.worker;
    if (worker === undefined) throw new Error(`internal: dispatch to an empty slot ${slot.name}`);
    slot.busy = true;
    slot.miniBatch = pending.task.miniBatchId;
    const startedAt = new Date();
    slot.lastSeen = startedAt;
    const started = performance.now();
    const attempt = worker.run(pending.task, this.#options.timeoutMs).then((result) => {
      slot.busy = false;
      slot.miniBatch = undefined;
      slot.lastSeen = new Date();
      const elapsedMs = performance.now() - started;
      if (this.#state === 'killed') {
        pending.reject(new WorkerPoolClosedError());
        return;
      }
      this.#log.attempt(slot.logs, slot.name, pending.task, { result, startedAt, elapsedMs });
      if (result.kind === 'timeout' || result.kind === 'crash') this.#replace(slot, worker);
      pending.resolve(toAttemptResult(result, slot.name, elapsedMs));
      this.#pump();
    });
    this.#inFlight.add(attempt);
    void attempt.finally(() => this.#inFlight.delete(attempt));
  }

  #replace(slot: Slot, worker: WorkerProcess): void {
    if (slot.worker === worker) {
      slot.worker = undefined;
      slot.ready = false;
    }
    void this.#start(slot);
  }

  #rejectQueued(): void {
    for (const pending of this.#queue.splice(0)) pending.reject(new WorkerPoolClosedError());
  }

  #cancelRequests(): void {
    for (const slot of this.#slots) slot.request?.cancel();
  }

  async #closeGracefully(): Promise<void> {
    this.#state = 'closing';
    this.#rejectQueued();
    this.#cancelRequests();
    await Promise.allSettled(this.#inFlight);
    const grace = this.#options.closeGraceMs;
    await Promise.all(this.#slots.map((slot) => slot.worker?.dispose(grace) ?? Promise.resolve()));
    await this.#finish();
  }

  /** Waits for every child (including replaced ones) to be gone, gives the permits back, closes the logs. */
  async #finish(): Promise<void> {
    await Promise.allSettled(this.#inFlight);
    await Promise.all([...this.#live].map((worker) => worker.kill().then(() => worker.closed)));
    for (const slot of this.#slots) {
      slot.permit?.release();
      slot.permit = undefined;
    }
    await this.#log.close();
  }
}
