/**
 * What the worker pool of one node writes to the job's log tree (worker-logs.ts has the layout): a
 * line in `_main.txt` when a process starts or exits, a summary line per attempt, and an error entry
 * per failed init(), failed attempt and failed item. Anyone who may read the job may read these files
 * (`GET .../jobs/{job}/logs/...`), so every error goes through the job's scrubber (error-view.ts)
 * first: no frame of Nightshift's source, no local path of this machine, datastore URIs instead. What
 * the script prints (logs/user/stdout, logs/user/stderr) is piped straight from the worker, untouched.
 */
import type { ItemFailure } from '../../runtimes/contract.ts';
import type { RunTask } from '../../runtimes/worker-protocol.ts';
import type { ErrorScrubber } from '../error-view.ts';
import {
  closeLogs,
  nodeMainLog,
  summaryLine,
  workerLogs,
  type LogFile,
  type WorkerLogs,
} from './worker-logs.ts';
import { describeExit, type ExitInfo, type RunResult } from './worker-process.ts';

export interface PoolLog {
  /** The files of one slot, kept across its process's replacements. */
  worker(processName: string): WorkerLogs;
  started(processName: string, pid: number | undefined): void;
  /** `stoppedBecause`: the server stopped it (and why); undefined when it exited on its own. */
  exited(processName: string, info: ExitInfo, stoppedBecause: string | undefined): void;
  stoppedInInit(processName: string, why: string): void;
  initFailed(logs: WorkerLogs, worker: string, failure: { message: string; stack?: string }): void;
  attempt(logs: WorkerLogs, worker: string, task: RunTask, ended: AttemptEnd): void;
  /** Closes every file opened through it. */
  close(): Promise<void>;
}

export interface AttemptEnd {
  result: RunResult;
  startedAt: Date;
  elapsedMs: number;
}

const now = () => new Date().toISOString();

/** A header line naming what failed, then the scrubbed stack (or message), then a blank line. */
function entry(scrub: ErrorScrubber, header: string, message: string, stack: string | undefined): string {
  return `${now()} ${header}\n${scrub.entry(message, stack)}\n\n`;
}

export function createPoolLog(logDir: string, node: string, scrub: ErrorScrubber): PoolLog {
  const main: LogFile = nodeMainLog(logDir, node);
  const opened: WorkerLogs[] = [];

  function itemFailed(logs: WorkerLogs, worker: string, task: RunTask, failure: ItemFailure): void {
    const header = `mini batch ${task.miniBatchId} attempt ${task.attempt}: item ${scrub.text(failure.file)} failed on ${worker}:`;
    logs.error.write(entry(scrub, header, failure.message, failure.stack));
  }

  return {
    worker(processName) {
      const logs = workerLogs(logDir, node, processName);
      opened.push(logs);
      return logs;
    },
    started(processName, pid) {
      main.write(`${now()} ${processName} started with pid ${pid ?? '?'}\n`);
    },
    exited(processName, info, stoppedBecause) {
      const why = stoppedBecause === undefined ? '' : ` (stopped by the server: ${stoppedBecause})`;
      main.write(`${now()} ${processName} exits with ${describeExit(info)}${why}\n`);
    },
    stoppedInInit(processName, why) {
      main.write(`${now()} ${processName} was stopped before its init() finished: ${why}\n`);
    },
    initFailed(logs, worker, failure) {
      logs.error.write(entry(scrub, `init() failed on ${worker}:`, failure.message, failure.stack));
    },
    attempt(logs, worker, task, { result, startedAt, elapsedMs }) {
      if (result.kind === 'done') {
        logs.summary.write(summaryLine(task, { result: 'ok', ...result.outcome, startedAt, elapsedMs }));
        // Every failed item keeps its reason in the log, not only the job's first error.
        for (const failure of result.outcome.itemFailures) itemFailed(logs, worker, task, failure);
        return;
      }
      logs.summary.write(summaryLine(task, { result: result.kind, startedAt, elapsedMs }));
      const header = `mini batch ${task.miniBatchId} attempt ${task.attempt} failed (${result.kind}) on ${worker}:`;
      logs.error.write(entry(scrub, header, result.message, result.stack));
    },
    async close() {
      await Promise.all([...opened.map(closeLogs), main.close()]);
    },
  };
}
