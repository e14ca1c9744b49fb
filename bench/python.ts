/**
 * (d) What the Python runtime costs per mini-batch. The same scoring
 * script's `run()` is timed twice over the same mini-batches: through the python runtime (a Node
 * request over the pipe, the driver calling run(), append_row into a temp file, the file streamed into
 * a part) and called directly in one Python process that loops and writes with the same append_row
 * rules. Two scripts: a trivial one (one line per file, so the figure is nearly all overhead) and the
 * sklearn fixture model predicting the breast-cancer CSVs and returning DataFrames. init() is outside
 * both timings and reported on its own. Figures and ratios are printed; nothing asserts a threshold.
 * Run alone with `node bench/python.ts`.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPythonRuntime } from '../src/runtimes/python/python-runtime.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = '/usr/bin/python3';
const REPEATS = 5;

const TRIVIAL = `import os

def init():
    pass

def run(mini_batch):
    return [os.path.basename(path) for path in mini_batch]
`;

const SKLEARN = `import os
import pickle

import pandas as pd

def init():
    global model
    with open(os.environ["BENCH_MODEL"], "rb") as f:
        model = pickle.load(f)

def run(mini_batch):
    frames = []
    for path in mini_batch:
        data = pd.read_csv(path)
        frames.append(pd.DataFrame({"file": os.path.basename(path), "prediction": model.predict(data)}))
    return pd.concat(frames)
`;

/** The direct loop: the same script, the same mini-batches, append_row's writes, one process. */
const LOOP = `import importlib.util, json, os, sys, time
spec = importlib.util.spec_from_file_location("score", sys.argv[1])
script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(script)
batches = json.load(open(sys.argv[2]))
output = sys.argv[3]
script.init()
started = time.perf_counter()
for batch in batches:
    result = script.run(batch)
    if isinstance(result, list):
        with open(output, "a") as f:
            for item in result:
                f.write(str(item) + "\\n")
    else:
        result.to_csv(output, header=False, index=False, sep=" ", mode="a")
print(json.dumps({"ms": (time.perf_counter() - started) * 1000}))
`;

/** `name` is also the script's module name: not `sklearn`, which the code folder would shadow. */
interface Workload {
  name: string;
  batches: string[][];
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
}

async function throughRuntime(dir: string, w: Workload): Promise<{ initMs: number; runMs: number }> {
  // The forest script returns a row per CSV row, more than files, so each run() logs Azure's warning.
  const quiet = new PassThrough().resume();
  const runtime = createPythonRuntime(
    {
      kind: 'python',
      modelDir: dir,
      modelPath: dir,
      codeDir: dir,
      scoringScript: `${w.name}.py`,
      outputDir: dir,
      outputAction: 'append_row',
      loggingLevel: 'warning',
      environmentVariables: {
        BENCH_MODEL: join(ROOT, 'fixtures/models/breast-cancer-sklearn-mlflow/model.pkl'),
      },
      pythonExecutable: PYTHON,
    },
    { stdout: quiet, stderr: quiet },
  );
  const out = createWriteStream(join(dir, `${w.name}-runtime.out`));
  const sink = {
    write: (text: string) => (out.write(text) ? Promise.resolve() : once(out, 'drain').then(() => undefined)),
  };
  const initStarted = performance.now();
  await runtime.init();
  const started = performance.now();
  for (const batch of w.batches) await runtime.run(batch, sink);
  const runMs = performance.now() - started;
  await runtime.dispose();
  out.end();
  await once(out, 'finish');
  return { initMs: started - initStarted, runMs };
}

async function directLoop(dir: string, w: Workload): Promise<number> {
  const batchesFile = join(dir, `${w.name}-batches.json`);
  await writeFile(batchesFile, JSON.stringify(w.batches));
  const result = spawnSync(
    PYTHON,
    ['-c', LOOP, join(dir, `${w.name}.py`), batchesFile, join(dir, `${w.name}-loop.out`)],
    {
      encoding: 'utf8',
      // The driver inherits this process's environment (BLAS settings change predict() times), so the
      // loop does too.
      env: {
        ...process.env,
        BENCH_MODEL: join(ROOT, 'fixtures/models/breast-cancer-sklearn-mlflow/model.pkl'),
      },
    },
  );
  if (result.status !== 0) throw new Error(`direct loop failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { ms: number }).ms;
}

async function workloads(dir: string): Promise<Workload[]> {
  await writeFile(join(dir, 'trivial.py'), TRIVIAL);
  await writeFile(join(dir, 'forest.py'), SKLEARN);
  const small: string[] = [];
  for (let i = 0; i < 40; i++) {
    const file = join(dir, `small-${i}.txt`);
    await writeFile(file, `line ${i}\n`);
    small.push(file);
  }
  const parts = [0, 1, 2, 3].map((i) => join(ROOT, `fixtures/data/breast-cancer/part-${i}.csv`));
  return [
    // 500 mini-batches of 4 small files.
    {
      name: 'trivial',
      batches: Array.from({ length: 500 }, (_, i) => small.slice((i % 10) * 4, (i % 10) * 4 + 4)),
    },
    // 200 mini-batches of 2 CSV files (143 rows × 30 columns each).
    {
      name: 'forest',
      batches: Array.from({ length: 200 }, (_, i) => [parts[i % 4] ?? '', parts[(i + 1) % 4] ?? '']),
    },
  ];
}

function pythonReady(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import pandas, sklearn'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} cannot be started (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} lacks pandas or scikit-learn`;
  return undefined;
}

export async function pythonBench(): Promise<void> {
  console.log('\n(d) Python runtime overhead per mini-batch (same run(), direct loop in one Python process)');
  const missing = pythonReady();
  if (missing !== undefined) {
    console.log(`  skipped: ${missing}`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'ns-bench-py-'));
  try {
    for (const w of await workloads(dir)) {
      const runtime: number[] = [];
      const direct: number[] = [];
      const inits: number[] = [];
      for (let r = 0; r < REPEATS; r++) {
        const measured = await throughRuntime(dir, w);
        runtime.push(measured.runMs);
        inits.push(measured.initMs);
        direct.push(await directLoop(dir, w));
      }
      const n = w.batches.length;
      const perRuntime = median(runtime) / n;
      const perDirect = median(direct) / n;
      console.log(
        `  ${w.name.padEnd(8)} ${n} mini-batches of ${w.batches[0]?.length ?? 0} files: ` +
          `runtime ${perRuntime.toFixed(3)} ms/mb, direct ${perDirect.toFixed(3)} ms/mb, ` +
          `overhead ${(perRuntime - perDirect).toFixed(3)} ms/mb, ratio ${(perRuntime / perDirect).toFixed(2)}`,
      );
      console.log(
        `  ${''.padEnd(8)} init (start the driver, import the script, init()): ${median(inits).toFixed(0)} ms`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await pythonBench();
