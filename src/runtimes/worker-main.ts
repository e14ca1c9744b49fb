/**
 * The entry point of a worker child process, forked by the worker pool (src/engine/pool/).
 *
 * It builds the environment an Azure scoring script expects (AZUREML_MODEL_DIR, AZUREML_BI_OUTPUT_PATH,
 * the deployment's environment variables, `--logging_level <LEVEL>` in argv, the code folder as working
 * directory), loads one runtime (js, onnx, or python, whose driver process inherits this environment),
 * calls its `init()` once and `run()` per mini-batch as the parent asks.
 * This is the one module outside config/cli allowed to touch process.env, because setting up the
 * script's process is its whole job.
 *
 * Each run writes to a temp file in the worker's scratch folder and moves it onto its part only on
 * success, so a mini-batch that runs twice replaces its rows instead of doubling them, and a failed
 * attempt leaves nothing behind. The scratch folder (under the data dir, given by the parent) is this
 * process's TMPDIR, and onnxruntime's telemetry is switched off before the runtime can load it: a worker
 * writes nothing outside the data dir and sends nothing anywhere.
 */
import { copyFile, mkdir, open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, writeSync } from 'node:fs';
import type { InputDigest, MiniBatchOutcome, PartSink, RuntimeSettings, ScoringRuntime } from './contract.ts';
import type { DriverExit } from './python/driver-process.ts';
import type { PythonRuntimeOptions } from './python/python-runtime.ts';
import { createJsRuntime } from './js/js-runtime.ts';
import { materializeRanges } from './range-files.ts';
import {
  describeError,
  isParentMessage,
  PRELOAD_FLAG,
  SCRATCH_FLAG,
  type ChildMessage,
  type ParentMessage,
  type RunTask,
} from './worker-protocol.ts';

interface PartWriter {
  sink: PartSink;
  /** Moves the written rows onto the part (an empty part when nothing was written). */
  commit(): Promise<void>;
  /** Drops whatever this attempt wrote. */
  discard(): Promise<void>;
}

let settings: RuntimeSettings | undefined;
let runtime: ScoringRuntime | undefined;

/** Removes `flag` (and its value, when it takes one) from argv: scripts see only Azure's arguments. */
function takeFlag(flag: string, withValue: boolean): string | undefined {
  const at = process.argv.indexOf(flag);
  if (at < 0) return undefined;
  const [, value] = process.argv.splice(at, withValue ? 2 : 1);
  return withValue ? value : flag;
}

// Before anything can load onnxruntime: its telemetry reads this once, when its environment starts.
process.env.ORT_DISABLE_TELEMETRY = '1';
const scratch = takeFlag(SCRATCH_FLAG, true);
if (scratch !== undefined) {
  mkdirSync(scratch, { recursive: true });
  // Python's tempfile, os.tmpdir() and onnxruntime's files all follow TMPDIR; the driver inherits it.
  process.env.TMPDIR = scratch;
}

function send(message: ChildMessage): void {
  try {
    process.send?.(message);
  } catch {
    // The parent is gone; the 'disconnect' handler ends this process.
  }
}

function prepareEnvironment(s: RuntimeSettings): void {
  for (const [name, value] of Object.entries(s.environmentVariables)) process.env[name] = value;
  // Set after the deployment's variables so a deployment cannot point the script elsewhere.
  process.env.AZUREML_MODEL_DIR = s.modelDir;
  process.env.AZUREML_BI_OUTPUT_PATH = s.outputDir;
  process.argv.push('--logging_level', s.loggingLevel.toUpperCase());
  if (s.codeDir !== undefined) {
    try {
      process.chdir(s.codeDir);
    } catch {
      throw new Error(`The code folder ${s.codeDir} does not exist or cannot be entered.`);
    }
  }
}

/**
 * A Python driver that ends by itself after init (os._exit in a script, a crash in a native library)
 * takes this worker with it, so the pool sees a crashed worker and replaces it, as it does when a JS
 * script calls process.exit().
 */
function endWithDriver(exit: DriverExit): never {
  const how = exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal ?? '?'}`;
  writeSync(2, `nightshift: the Python process ended with ${how}; this worker ends with it.\n`);
  process.exit(exit.code !== null && exit.code !== 0 ? exit.code : 70);
}

async function loadRuntime(s: RuntimeSettings): Promise<ScoringRuntime> {
  if (s.kind === 'js') return createJsRuntime(s);
  if (s.kind === 'python') {
    const python = (await import(new URL('./python/python-runtime.ts', import.meta.url).href)) as {
      createPythonRuntime(settings: RuntimeSettings, options: PythonRuntimeOptions): ScoringRuntime;
    };
    return python.createPythonRuntime(s, { onDriverExit: endWithDriver });
  }
  // Loaded only here, so a js worker never pays for (or needs) onnxruntime.
  const onnx = (await import(new URL('./onnx/onnx-runtime.ts', import.meta.url).href)) as {
    createOnnxRuntime(settings: RuntimeSettings): ScoringRuntime;
  };
  return onnx.createOnnxRuntime(s);
}

/** A rename, or a copy when the scratch folder sits on another file system than the job's parts. */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await rm(from, { force: true });
  }
}

function openPart(partPath: string): PartWriter {
  const temp = join(tmpdir(), `${basename(partPath)}.tmp`);
  let file: Promise<FileHandle> | undefined;
  const handle = (): Promise<FileHandle> => (file ??= open(temp, 'w'));
  return {
    sink: {
      async write(text) {
        await (await handle()).writeFile(text);
      },
    },
    async commit() {
      await (await handle()).close();
      await mkdir(dirname(partPath), { recursive: true });
      await moveFile(temp, partPath);
    },
    async discard() {
      if (file !== undefined) await (await file.catch(() => undefined))?.close().catch(() => undefined);
      await rm(temp, { force: true });
    },
  };
}

async function handleInit(s: RuntimeSettings): Promise<void> {
  try {
    settings = s;
    prepareEnvironment(s);
    const loaded = await loadRuntime(s);
    await loaded.init();
    runtime = loaded;
    send({ type: 'ready' });
  } catch (error) {
    send({ type: 'init-failed', ...describeError(error) });
  }
}

async function digestFile(file: string): Promise<InputDigest | undefined> {
  try {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { file, size, sha256: hash.digest('hex') };
  } catch {
    return undefined;
  }
}

/** Completes the runtime's input digests: hashing here, in parallel workers, keeps it off the server. */
async function withDigests(files: readonly string[], outcome: MiniBatchOutcome): Promise<MiniBatchOutcome> {
  const known = new Map((outcome.inputs ?? []).map((d) => [d.file, d]));
  const inputs: InputDigest[] = [];
  for (const file of files) {
    const digest = known.get(file) ?? (await digestFile(file));
    if (digest) inputs.push(digest);
  }
  return { ...outcome, inputs };
}

/**
 * Runs one mini-batch. A scoring script gets each row range as a file of its own (range-files.ts),
 * removed when the attempt ends; item failures it reports name the mini-batch's entries again.
 */
async function runScript(
  loaded: ScoringRuntime,
  s: RuntimeSettings,
  files: readonly string[],
  sink: PartSink,
): Promise<MiniBatchOutcome> {
  if (s.kind === 'onnx') return loaded.run(files, sink);
  const batch = await materializeRanges(files, join(tmpdir(), 'ranges'));
  try {
    const outcome = await loaded.run(batch.files, sink);
    const itemFailures = outcome.itemFailures.map((f) => ({ ...f, file: batch.entryOf(f.file) }));
    // A copy's digest is not the file's: ranges are hashed whole by the server (as for ONNX).
    const inputs = outcome.inputs?.filter((d) => batch.entryOf(d.file) === d.file);
    return { ...outcome, itemFailures, ...(inputs ? { inputs } : {}) };
  } finally {
    await batch.cleanup();
  }
}

async function handleRun(task: RunTask): Promise<void> {
  const { miniBatchId } = task;
  if (runtime === undefined || settings === undefined) {
    send({
      type: 'failed',
      miniBatchId,
      message: 'The worker was asked to run before its init() succeeded.',
    });
    return;
  }
  const part = openPart(task.partPath);
  try {
    const outcome = await withDigests(task.files, await runScript(runtime, settings, task.files, part.sink));
    if (settings.outputAction === 'append_row') await part.commit();
    else await part.discard();
    send({ type: 'done', miniBatchId, outcome });
  } catch (error) {
    await part.discard().catch(() => undefined);
    send({ type: 'failed', miniBatchId, ...describeError(error) });
  }
}

async function handleDispose(): Promise<never> {
  try {
    await runtime?.dispose();
  } finally {
    // Exit even if the script left timers or sockets open; the parent escalates to SIGKILL anyway.
    process.exit(0);
  }
}

function handle(message: ParentMessage): Promise<void> {
  switch (message.type) {
    case 'init':
      return handleInit(message.settings);
    case 'run':
      return handleRun(message);
    case 'dispose':
      return handleDispose();
  }
}

// Messages are handled one at a time, in order, so a dispose waits for the run before it.
let pending: Promise<void> = Promise.resolve();
process.on('message', (message: unknown) => {
  if (isParentMessage(message)) pending = pending.then(() => handle(message));
});
// A worker must never outlive its pool: when the parent goes away, so do we.
process.on('disconnect', () => process.exit(0));

// A spare worker (forked before any job needs it) imports the runtimes while it waits, so the job that
// adopts it only pays for its own init().
if (takeFlag(PRELOAD_FLAG, false) !== undefined) void preload().catch(() => undefined);

/**
 * Imports the runtimes and runs the CSV fast path over a small synthetic file, so the parser is already
 * optimised by the JIT when the first real mini-batch arrives (measured: the first file of a cold worker
 * took about 1.5× as long as the rest).
 */
async function preload(): Promise<void> {
  await import('./onnx/onnx-runtime.ts');
  await import('./python/python-runtime.ts');
  const { openCsv } = await import('./readers/csv-reader.ts');
  const file = join(tmpdir(), `nightshift-warmup-${process.pid}.csv`);
  const columns = Array.from({ length: 30 }, (_, i) => `c${i}`);
  const row = columns.map((_, i) => (i * 1.37 + 0.25).toFixed(4)).join(',');
  await writeFile(file, `${columns.join(',')}\n${`${row}\n`.repeat(20_000)}`);
  try {
    const source = await openCsv(file);
    let rows = 0;
    for await (const chunk of source.chunks({ columns, chunkRows: 8192, dtype: 'float32' }))
      rows += chunk.rowCount;
    if (rows === 0) throw new Error('warm-up read no rows');
  } finally {
    await rm(file, { force: true });
  }
}
