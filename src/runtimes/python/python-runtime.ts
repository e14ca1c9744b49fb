/**
 * The python runtime: runs an Azure Python scoring script (`init()`, `run(mini_batch)`) or an MLflow
 * `python_function` model without a script, in a Python driver process (driver.py) that this runtime
 * starts inside its worker and talks to over pipes.
 *
 * Only paths and counts cross the pipes. For each mini-batch the driver gets the local input paths and
 * a temp file to write its rows to (as Azure's append_row writes them); after its reply the file is
 * streamed into the part sink and deleted. The temp file lives in the worker's TMPDIR, its own scratch
 * folder in the data dir, which the server removes when the worker exits, killed or not. A Python
 * exception becomes an error whose stack is the Python traceback, so it is what the job shows as its
 * first error. The driver dies with the worker (see driver.py), so a timed-out worker killed by the
 * pool leaves no Python process behind.
 */
import { createReadStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type {
  ItemFailure,
  MiniBatchOutcome,
  PartSink,
  RuntimeSettings,
  ScoringRuntime,
} from '../contract.ts';
import { parquetToCsv } from './parquet-to-csv.ts';
import { DriverProcess, type DriverExit, type DriverReply } from './driver-process.ts';

export interface PythonRuntimeOptions {
  /** Copy the script's stdout/stderr here; by default the driver shares the worker's own. */
  stdout?: Writable;
  stderr?: Writable;
  /**
   * Called when the driver ends by itself after a successful init (a script calling os._exit, a crash
   * in a native library). The worker ends too, so the pool replaces it as it would any crashed worker.
   */
  onDriverExit?: (exit: DriverExit) => void;
  /** How long dispose() lets the driver exit before killing it; default 1 s. */
  stopGraceMs?: number;
}

/** A failure reported by the driver: the message is Python's last line, the stack its traceback. */
export class PythonError extends Error {
  constructor(message: string, traceback: string | undefined) {
    super(message);
    this.name = 'PythonError';
    // Without a traceback there is no stack worth showing: a Node stack would point at this file.
    Object.defineProperty(this, 'stack', { value: traceback, writable: true, configurable: true });
  }
}

const OUTPUT_PREFIX = 'nightshift-py-';
const COPY_CHUNK = 1 << 20;
let runtimes = 0;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function pythonError(reply: DriverReply): PythonError {
  return new PythonError(
    text(reply.message) ?? 'The Python driver reported a failure without a message.',
    text(reply.traceback),
  );
}

function initCommand(settings: RuntimeSettings): Record<string, unknown> {
  const { codeDir, scoringScript, mlflow } = settings;
  const script =
    scoringScript === undefined || scoringScript === '' ? undefined : resolve(codeDir ?? '.', scoringScript);
  if (script === undefined && mlflow === undefined) {
    throw new Error('The python runtime needs a scoring script or an MLflow python_function model.');
  }
  return {
    op: 'init',
    // Set again by the driver, so the script sees them even when the worker did not set them itself.
    env: {
      ...settings.environmentVariables,
      AZUREML_MODEL_DIR: settings.modelDir,
      AZUREML_BI_OUTPUT_PATH: settings.outputDir,
    },
    summaryOnly: settings.outputAction === 'summary_only',
    ...(script === undefined ? { modelPath: settings.modelPath, mlflow } : { script, codeDir }),
  };
}

function itemFailures(value: unknown): ItemFailure[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: unknown) => {
    const { file, message, traceback } = (entry ?? {}) as Record<string, unknown>;
    if (typeof file !== 'string') return [];
    const failure: ItemFailure = { file, message: text(message) ?? 'The item failed.' };
    const stack = text(traceback);
    return stack === undefined ? [failure] : [{ ...failure, stack }];
  });
}

/** The driver's counts, held to Azure's rule (succeeded + failed = the mini-batch size). */
function outcomeOf(reply: DriverReply, size: number): MiniBatchOutcome {
  const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  const succeeded = Math.max(0, Math.min(size, number(reply.succeeded)));
  return {
    succeeded,
    failed: size - succeeded,
    itemFailures: itemFailures(reply.itemFailures),
    rowsWritten: number(reply.rows),
  };
}

/** Small outputs are read in one call (most mini-batches); large ones are streamed in 1 MiB chunks. */
async function copyInto(path: string, bytes: number, sink: PartSink): Promise<void> {
  if (bytes <= COPY_CHUNK) {
    await sink.write(await readFile(path, 'utf8'));
    return;
  }
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: COPY_CHUNK })) {
    await sink.write(chunk as string);
  }
}

/**
 * CSV copies of the Parquet inputs of a mini-batch, for the MLflow scorer (see parquet-to-csv.ts). A file
 * that cannot be copied is left to pandas, whose own error then names the file and the cause.
 */
async function csvCopiesOfParquet(files: readonly string[], output: string): Promise<Record<string, string>> {
  const copies: Record<string, string> = {};
  for (const [i, file] of files.entries()) {
    if (!/\.(parquet|pqt)$/i.test(file)) continue;
    const copy = `${output}.parquet-${i}.csv`;
    try {
      await parquetToCsv(file, copy);
      copies[file] = copy;
    } catch {
      await rm(copy, { force: true });
    }
  }
  return copies;
}

export function createPythonRuntime(
  settings: RuntimeSettings,
  options: PythonRuntimeOptions = {},
): ScoringRuntime {
  const output = join(tmpdir(), `${OUTPUT_PREFIX}${process.pid}-${(runtimes += 1)}.out`);
  let driver: DriverProcess | undefined;

  return {
    async init() {
      const command = initCommand(settings);
      const executable = settings.pythonExecutable;
      if (executable === undefined || executable === '') {
        throw new Error('The python runtime needs the interpreter to run (settings.pythonExecutable).');
      }
      const started = new DriverProcess({
        executable,
        loggingLevel: settings.loggingLevel.toUpperCase(),
        ...(settings.codeDir ? { cwd: settings.codeDir } : {}),
        ...(options.stdout ? { stdout: options.stdout } : {}),
        ...(options.stderr ? { stderr: options.stderr } : {}),
      });
      const reply = await started.request(command, 'loading the scoring script or model (init)');
      if (!reply.ok) {
        await started.kill();
        throw pythonError(reply);
      }
      driver = started;
      void started.exited.then((exit) => {
        if (!started.stopping) options.onDriverExit?.(exit);
      });
    },

    async run(miniBatch: readonly string[], sink: PartSink): Promise<MiniBatchOutcome> {
      if (driver === undefined) throw new Error('run() was called before init() completed.');
      // The driver reports how much it wrote; 0 means it left no file, so there is nothing to read or
      // remove (the common summary_only case costs no file system call here).
      let bytes: number | undefined;
      const readAs = settings.mlflow === undefined ? {} : await csvCopiesOfParquet(miniBatch, output);
      try {
        const reply = await driver.request(
          { op: 'run', files: [...miniBatch], output, ...(Object.keys(readAs).length > 0 ? { readAs } : {}) },
          `running a mini-batch of ${miniBatch.length} files`,
        );
        if (!reply.ok) throw pythonError(reply);
        bytes = typeof reply.bytes === 'number' ? reply.bytes : Number.POSITIVE_INFINITY;
        if (settings.outputAction === 'append_row' && bytes > 0) await copyInto(output, bytes, sink);
        return outcomeOf(reply, miniBatch.length);
      } finally {
        if (bytes !== 0) await rm(output, { force: true });
        await Promise.all(Object.values(readAs).map((copy) => rm(copy, { force: true })));
      }
    },

    async dispose() {
      const current = driver;
      driver = undefined;
      await current?.stop(options.stopGraceMs ?? 1000);
      await rm(output, { force: true });
    },
  };
}
