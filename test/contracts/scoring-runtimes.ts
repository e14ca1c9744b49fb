/**
 * The runtimes the scoring runtime contract suite (scoring-runtime.test.ts) runs against, and its
 * harness: each runtime in a real worker process (worker-main.ts forked by the launcher, spoken to
 * through WorkerProcess), as the engine's pool drives it. A new runtime adds one entry to `runtimes`:
 * how to deploy it, the inputs it scores, one it fails on (a no-code runtime), and a broken init().
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestOptions } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MiniBatchOutcome, RuntimeSettings } from '../../src/runtimes/contract.ts';
import { readMlflowModel } from '../../src/runtimes/python/mlflow-model.ts';
import { createWorkerCapacity } from '../../src/engine/pool/capacity.ts';
import { createWorkerLauncher, type WorkerLauncher } from '../../src/engine/pool/worker-launcher.ts';
import { closeLogs, workerLogs, type WorkerLogs } from '../../src/engine/pool/worker-logs.ts';
import { WorkerProcess, type InitResult, type RunResult } from '../../src/engine/pool/worker-process.ts';
import { needs, PYTHON3, PYTHON_LIBRARIES } from '../helpers/components.ts';
import type { Implementation } from './implementations.ts';

export const SCRIPTS = fileURLToPath(new URL('./scoring/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const MODELS = join(FIXTURES, 'models');
const PYTHON = '/usr/bin/python3';
/** Bounds on waits that only a broken runtime reaches; no test measures time. */
const GENEROUS_MS = 120_000;

/** An input file of the mini-batches, and how many output lines it gives. */
export interface InputFile {
  name: string;
  content: string;
  rows: number;
}

/** What every deployment of the suite shares; the runtime adds where its model and code are. */
export interface Deployment {
  dir: string;
  outputAction: RuntimeSettings['outputAction'];
  environmentVariables: Record<string, string>;
}

export interface RuntimeUnderTest {
  name: string;
  requires?: () => Promise<TestOptions>;
  settings(deployment: Deployment): RuntimeSettings;
  /** Inputs it scores, with distinct names none of which contains another. */
  inputs: readonly InputFile[];
  /** Runs the suite's contract script (test/contracts/scoring/), named so in its tracebacks. */
  script?: RegExp;
  /** An input it fails on its own (an item failure) while the others score. */
  failingInput?: InputFile & { message: RegExp };
  /** A deployment whose init() fails, and what its failure says. */
  brokenInit(deployment: Deployment): { settings: RuntimeSettings; message: RegExp; stack?: RegExp };
}

const common = (d: Deployment) => ({
  outputDir: join(d.dir, 'output'),
  outputAction: d.outputAction,
  loggingLevel: 'info' as const,
  environmentVariables: d.environmentVariables,
});

function scripted(kind: 'js' | 'python', scoringScript: string) {
  return (d: Deployment): RuntimeSettings => ({
    kind,
    modelDir: join(d.dir, 'model'),
    modelPath: join(d.dir, 'model', 'model.bin'),
    codeDir: SCRIPTS,
    scoringScript,
    ...(kind === 'python' ? { pythonExecutable: PYTHON } : {}),
    ...common(d),
  });
}

const TEXT_INPUTS = [
  { name: 'first.txt', content: 'one\n', rows: 1 },
  { name: 'second.txt', content: 'two\ntwo\n', rows: 1 },
];

/** The first `rows` data rows of a fixture CSV, with its header. */
function csvHead(file: string, rows: number): string {
  return `${readFileSync(join(FIXTURES, 'data', file), 'utf8')
    .split('\n')
    .slice(0, rows + 1)
    .join('\n')}\n`;
}

const mlflowModel = join(MODELS, 'breast-cancer-sklearn-mlflow');
const mlflow = readMlflowModel(readFileSync(join(mlflowModel, 'MLmodel'), 'utf8'), 'MLmodel').pyfunc;

export const runtimes: RuntimeUnderTest[] = [
  {
    name: 'js (a TypeScript scoring script)',
    settings: scripted('js', 'contract-script.ts'),
    inputs: TEXT_INPUTS,
    script: /contract-script\.ts:\d+:\d+/,
    brokenInit: (d) => ({
      settings: scripted(
        'js',
        'contract-script.ts',
      )({
        ...d,
        environmentVariables: { CONTRACT_INIT_FAILS: '1' },
      }),
      message: /^contract: the model cannot be loaded$/,
      stack: /at loadModel \(.*contract-script\.ts:\d+:\d+\)/,
    }),
  },
  {
    name: 'onnx (a single-file model)',
    settings: (d) => ({
      kind: 'onnx',
      modelDir: MODELS,
      modelPath: join(MODELS, 'iris-lr.onnx'),
      ...common(d),
    }),
    inputs: [
      { name: 'iris-a.csv', content: csvHead('iris/iris.csv', 3), rows: 3 },
      { name: 'iris-b.csv', content: csvHead('iris/iris.csv', 2), rows: 2 },
    ],
    failingInput: {
      name: 'broken.csv',
      content: 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n4.9,x,1.4,0.2\n',
      rows: 0,
      message: /^Error processing input file: '.*broken\.csv'\. Line 3/,
    },
    brokenInit: (d) => ({
      settings: { kind: 'onnx', modelDir: d.dir, modelPath: join(d.dir, 'missing.onnx'), ...common(d) },
      message: /^Model path '.*missing\.onnx' does not exist\.$/,
    }),
  },
  {
    name: 'python (a scoring script)',
    requires: () => needs(PYTHON3),
    settings: scripted('python', 'contract_script.py'),
    inputs: TEXT_INPUTS,
    script: /contract_script\.py", line \d+/,
    brokenInit: (d) => ({
      settings: scripted(
        'python',
        'contract_script.py',
      )({
        ...d,
        environmentVariables: { CONTRACT_INIT_FAILS: '1' },
      }),
      message: /^RuntimeError: contract: the model cannot be loaded$/,
      stack: /contract_script\.py", line \d+, in load_model/,
    }),
  },
  {
    name: 'python (an MLflow python_function model)',
    requires: () => needs(PYTHON_LIBRARIES),
    settings: (d) => ({
      kind: 'python',
      modelDir: MODELS,
      modelPath: mlflowModel,
      pythonExecutable: PYTHON,
      ...(mlflow ? { mlflow } : {}),
      ...common(d),
    }),
    inputs: [
      { name: 'cancer-a.csv', content: csvHead('breast-cancer/part-2.csv', 3), rows: 3 },
      { name: 'cancer-b.csv', content: csvHead('breast-cancer/part-2.csv', 2), rows: 2 },
    ],
    failingInput: {
      name: 'scores.avro',
      content: 'not a table\n',
      rows: 0,
      message: /^Error processing input file: '.*scores\.avro'\. File type 'avro' is not supported/,
    },
    brokenInit: (d) => ({
      settings: {
        kind: 'python',
        modelDir: d.dir,
        modelPath: join(d.dir, 'no-model'),
        pythonExecutable: PYTHON,
        ...(mlflow ? { mlflow } : {}),
        ...common(d),
      },
      message: /^FileNotFoundError: .*no-model\/model\.pkl/,
      stack: /^Traceback \(most recent call last\):/,
    }),
  },
];

/** One worker of the runtime under test, as the pool holds it, with its log files. */
export interface Started {
  worker: WorkerProcess;
  logs: WorkerLogs;
  ready: Promise<InitResult>;
}

export interface Harness {
  runtime: RuntimeUnderTest;
  dir: string;
  deployment(overrides?: Partial<Deployment>): RuntimeSettings;
  /** Writes the inputs into the test's folder and returns their local paths. */
  inputs(files: readonly InputFile[]): string[];
  start(settings: RuntimeSettings): Started;
  /** Runs one mini-batch as attempt 1 into `parts/<id>.part`. */
  run(started: Started, id: string, files: string[]): Promise<RunResult>;
  /** Disposes the worker, waits for its exit and for its logs; returns its stdout log and exit code. */
  stop(started: Started): Promise<{ stdout: string; code: number | null }>;
  close(): Promise<void>;
}

function openHarness(runtime: RuntimeUnderTest, dir: string): Harness {
  const launcher: WorkerLauncher = createWorkerLauncher({
    dataDir: join(dir, 'data'),
    capacity: createWorkerCapacity(4),
  });
  mkdirSync(join(dir, 'model'), { recursive: true });
  mkdirSync(join(dir, 'inputs'), { recursive: true });
  const workers: Started[] = [];
  return {
    runtime,
    dir,
    deployment: (overrides = {}) =>
      runtime.settings({ dir, outputAction: 'append_row', environmentVariables: {}, ...overrides }),
    inputs(files) {
      return files.map((file) => {
        const path = join(dir, 'inputs', file.name);
        writeFileSync(path, file.content);
        return path;
      });
    },
    start(settings) {
      const logs = workerLogs(join(dir, 'logs'), 'node-0', `process${workers.length}`);
      const worker = new WorkerProcess({
        settings,
        logs,
        initTimeoutMs: GENEROUS_MS,
        child: launcher.fork(),
      });
      const started = { worker, logs, ready: worker.ready };
      workers.push(started);
      return started;
    },
    async run(started, id, files) {
      // As the pool does: a worker is given a mini-batch only once its init() succeeded.
      await ready(started);
      const task = { miniBatchId: id, files, partPath: join(dir, 'parts', `${id}.part`), attempt: 1 };
      return started.worker.run(task, GENEROUS_MS);
    },
    async stop(started) {
      await started.worker.dispose(GENEROUS_MS);
      const { code } = await started.worker.exited;
      await started.worker.closed;
      await closeLogs(started.logs);
      const stdout = await readFile(started.logs.stdout.path, 'utf8').catch(() => '');
      return { stdout, code };
    },
    async close() {
      await Promise.all(workers.map((w) => w.worker.kill().then(() => w.worker.closed)));
      await Promise.all(workers.map((w) => closeLogs(w.logs)));
      await launcher.settled();
    },
  };
}

export const implementations: Implementation<Harness>[] = runtimes.map((runtime) => ({
  name: runtime.name,
  ...(runtime.requires ? { requires: runtime.requires } : {}),
  open: (dir: string) => openHarness(runtime, dir),
}));

export function done(result: RunResult): MiniBatchOutcome {
  if (result.kind !== 'done') assert.fail(`expected a finished run(), got ${result.kind}: ${result.message}`);
  return result.outcome;
}

export async function ready(started: Started): Promise<void> {
  const result = await started.ready;
  if (!result.ok) assert.fail(`init() failed: ${result.message}\n${result.stack ?? ''}`);
}
