/**
 * The per-worker log files of a job, laid out as Azure's batch scoring logs are, so people who know
 * where to look in Azure find the same files here:
 *
 *   logs/user/stdout/<node>/process<N>.stdout.txt   the script's stdout (and its context.logger)
 *   logs/user/stderr/<node>/process<N>.stderr.txt   the script's stderr
 *   logs/user/error/<node>/process<N>.txt           init()/run() errors with their stacks (scrubbed)
 *   logs/sys/node/<node>/process<N>.txt             one summary line per mini-batch attempt
 *   logs/sys/node/<node>/_main.txt                  worker process starts and exits
 *
 * A slot keeps its files across worker replacements, so a replaced process appends where the old one
 * stopped. Files open lazily: a job without errors has no error files.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunTask } from '../../runtimes/worker-protocol.ts';

/** An append-only log file, created with its folder on first use. */
export class LogFile {
  readonly path: string;
  #stream: WriteStream | undefined;
  #closed = false;

  constructor(path: string) {
    this.path = path;
  }

  stream(): WriteStream {
    if (this.#stream === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      const stream = createWriteStream(this.path, { flags: 'a' });
      // A full disk must not take the server down with it; the log is best effort.
      stream.on('error', () => undefined);
      this.#stream = stream;
    }
    return this.#stream;
  }

  /** Dropped after close(): a late line must not reopen a file nobody will close. */
  write(text: string): void {
    if (!this.#closed) this.stream().write(text);
  }

  close(): Promise<void> {
    this.#closed = true;
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream === undefined) return Promise.resolve();
    return new Promise((resolve) => stream.end(resolve));
  }
}

export interface WorkerLogs {
  stdout: LogFile;
  stderr: LogFile;
  error: LogFile;
  summary: LogFile;
}

export function workerLogs(logDir: string, node: string, processName: string): WorkerLogs {
  return {
    stdout: new LogFile(join(logDir, 'user', 'stdout', node, `${processName}.stdout.txt`)),
    stderr: new LogFile(join(logDir, 'user', 'stderr', node, `${processName}.stderr.txt`)),
    error: new LogFile(join(logDir, 'user', 'error', node, `${processName}.txt`)),
    summary: new LogFile(join(logDir, 'sys', 'node', node, `${processName}.txt`)),
  };
}

export function nodeMainLog(logDir: string, node: string): LogFile {
  return new LogFile(join(logDir, 'sys', 'node', node, '_main.txt'));
}

export function closeLogs(logs: WorkerLogs): Promise<void> {
  return Promise.all([
    logs.stdout.close(),
    logs.stderr.close(),
    logs.error.close(),
    logs.summary.close(),
  ]).then(() => undefined);
}

/** What a summary line needs to know about one attempt. */
export interface AttemptSummary {
  result: 'ok' | 'exception' | 'timeout' | 'crash' | 'init';
  succeeded?: number;
  failed?: number;
  rowsWritten?: number;
  startedAt: Date;
  elapsedMs: number;
}

/** key=value fields, so the file greps and parses without a format of its own. */
export function summaryLine(task: RunTask, summary: AttemptSummary): string {
  const fields = [
    `start=${summary.startedAt.toISOString()}`,
    `mini_batch=${task.miniBatchId}`,
    `attempt=${task.attempt}`,
    `result=${summary.result}`,
    `items=${task.files.length}`,
    `succeeded=${summary.succeeded ?? 0}`,
    `failed=${summary.failed ?? task.files.length}`,
    `rows=${summary.rowsWritten ?? 0}`,
    `duration_ms=${Math.round(summary.elapsedMs)}`,
  ];
  return fields.join(' ') + '\n';
}
