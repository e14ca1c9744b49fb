import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { MiniBatchOutcome, RuntimeSettings } from '../contract.ts';
import { createOnnxRuntime } from './onnx-runtime.ts';

// Sessions run in this process, not a worker: keep onnxruntime's telemetry off here too (worker-main.ts).
process.env.ORT_DISABLE_TELEMETRY = '1';

const FIXTURES = new URL('../../../fixtures/', import.meta.url).pathname;
const MODELS = join(FIXTURES, 'models');
const PARTS = [0, 1, 2, 3].map((part) => join(FIXTURES, 'data/breast-cancer', `part-${part}.csv`));
const IRIS = join(FIXTURES, 'data/iris/iris.csv');

interface Expected {
  labels: Record<string, number[]>;
}
const readJson = async (name: string): Promise<Expected> =>
  JSON.parse(await readFile(join(FIXTURES, 'expected', name), 'utf8')) as Expected;
const cancer = await readJson('breast-cancer-labels.json');
const iris = await readJson('iris-labels.json');
const colors = await readJson('color-labels.json');

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nightshift-onnx-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Scored {
  outcome: MiniBatchOutcome;
  lines: string[];
  /** file name → predictions in row order (rows must come 0, 1, 2, … for each file). */
  byFile: Map<string, string[]>;
}

async function score(
  modelPath: string,
  files: string[],
  extra: Partial<RuntimeSettings> = {},
): Promise<Scored> {
  const runtime = createOnnxRuntime({
    kind: 'onnx',
    modelDir: MODELS,
    modelPath,
    outputDir: dir,
    outputAction: 'append_row',
    loggingLevel: 'info',
    environmentVariables: {},
    ...extra,
  });
  await runtime.init();
  let text = '';
  try {
    const outcome = await runtime.run(files, {
      write: (chunk) => {
        text += chunk;
        return Promise.resolve();
      },
    });
    const lines = text === '' ? [] : text.slice(0, -1).split('\n');
    const byFile = new Map<string, string[]>();
    for (const line of lines) {
      const match = /^(\d+),(.*),([^,]+)$/.exec(line);
      assert.ok(match, `not a row,prediction,file_name line: ${line}`);
      const [, row = '', prediction = '', file = ''] = match;
      const predictions = byFile.get(file) ?? [];
      assert.equal(Number(row), predictions.length, `rows of ${file} out of order`);
      predictions.push(prediction);
      byFile.set(file, predictions);
    }
    return { outcome, lines, byFile };
  } finally {
    await runtime.dispose();
  }
}

const labelsOf = (predictions: string[] | undefined): number[] => (predictions ?? []).map(Number);

/** The counts of an outcome, without the input digests (checked on their own). */
function countsOf(outcome: MiniBatchOutcome): Omit<MiniBatchOutcome, 'inputs'> {
  const counts: Partial<MiniBatchOutcome> = { ...outcome };
  delete counts.inputs;
  return counts as Omit<MiniBatchOutcome, 'inputs'>;
}

describe('onnx runtime, tables', () => {
  it('scores the breast-cancer MLflow model with the labels sklearn predicts, row by row', async () => {
    const { outcome, byFile } = await score(join(MODELS, 'breast-cancer-rf'), PARTS);
    assert.deepEqual(countsOf(outcome), { succeeded: 4, failed: 0, itemFailures: [], rowsWritten: 569 });
    // The digests come from the bytes the CSV reader read; they must equal an independent sha256.
    for (const file of PARTS) {
      const bytes = await readFile(file);
      const expected = { file, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
      assert.deepEqual(
        outcome.inputs?.find((d) => d.file === file),
        expected,
      );
    }
    for (const name of ['part-0.csv', 'part-1.csv', 'part-2.csv', 'part-3.csv']) {
      assert.deepEqual(labelsOf(byFile.get(name)), cancer.labels[name], name);
    }
  });

  it('numbers rows within the file across batches of 8192 rows', async () => {
    const [header = '', ...rows] = (await readFile(PARTS[0] ?? '', 'utf8')).trimEnd().split('\n');
    const big = join(dir, 'big.csv');
    await writeFile(big, [header, ...Array.from({ length: 100 }, () => rows).flat()].join('\n') + '\n');
    const { outcome, byFile } = await score(join(MODELS, 'breast-cancer-rf'), [big]);
    assert.equal(outcome.rowsWritten, 14_300);
    const expected = cancer.labels['part-0.csv'] ?? [];
    assert.deepEqual(
      labelsOf(byFile.get('big.csv')),
      Array.from({ length: 14_300 }, (_, i) => expected[i % expected.length]),
    );
  });

  it('scores Parquet (ZSTD) and JSONL inputs alike', async () => {
    const parquet = join(FIXTURES, 'data/breast-cancer-parquet/breast-cancer.parquet');
    const [header = '', ...rows] = (await readFile(PARTS[1] ?? '', 'utf8')).trimEnd().split('\n');
    const names = header.split(',');
    const jsonl = join(dir, 'part-1.jsonl');
    const objects = rows.map((row) =>
      JSON.stringify(Object.fromEntries(row.split(',').map((v, i) => [names[i], Number(v)]))),
    );
    await writeFile(jsonl, objects.join('\n'));
    const { outcome, byFile } = await score(join(MODELS, 'breast-cancer-rf'), [parquet, jsonl]);
    assert.equal(outcome.succeeded, 2);
    assert.deepEqual(labelsOf(byFile.get('breast-cancer.parquet')), cancer.labels['breast-cancer.parquet']);
    assert.deepEqual(labelsOf(byFile.get('part-1.jsonl')), cancer.labels['part-1.csv']);
  });

  it('scores iris-lr as a single-file custom model, path relative to the model dir', async () => {
    const { outcome, byFile } = await score('iris-lr.onnx', [IRIS]);
    assert.equal(outcome.succeeded, 1);
    assert.deepEqual(labelsOf(byFile.get('iris.csv')), iris.labels['iris.csv']);
  });

  it('feeds inputs named like columns by name, whatever the column order', async () => {
    const lines = (await readFile(IRIS, 'utf8')).trimEnd().split('\n');
    const shuffled = join(dir, 'iris-shuffled.csv');
    const reorder = (line: string): string => {
      const [a, b, c, d] = line.split(',');
      return [`note-${c ?? ''}`, d, c, b, a].join(',');
    };
    await writeFile(
      shuffled,
      lines
        .map((line, i) =>
          i === 0 ? 'note,petal_width,petal_length,sepal_width,sepal_length' : reorder(line),
        )
        .join('\n'),
    );
    const { byFile } = await score(join(MODELS, 'iris-named-inputs.onnx'), [shuffled]);
    assert.deepEqual(labelsOf(byFile.get('iris-shuffled.csv')), iris.labels['iris.csv']);
  });

  it('writes a vector prediction as a quoted JSON array when the model has no label output', async () => {
    const { lines, byFile } = await score(join(MODELS, 'iris-proba.onnx'), [IRIS]);
    assert.match(lines[0] ?? '', /^0,"\[[0-9.e-]+,[0-9.e-]+,[0-9.e-]+\]",iris\.csv$/);
    const argmax = (byFile.get('iris.csv') ?? []).map((cell) => {
      const probabilities = JSON.parse(cell.slice(1, -1)) as number[];
      assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      return probabilities.indexOf(Math.max(...probabilities));
    });
    assert.deepEqual(argmax, iris.labels['iris.csv']);
  });

  it("fails an .avro file with Azure's message while the other files succeed", async () => {
    const avro = join(dir, 'a-given-file.avro');
    await writeFile(avro, 'Obj\u0001');
    const { outcome, byFile } = await score(join(MODELS, 'breast-cancer-rf'), [
      PARTS[0] ?? '',
      avro,
      PARTS[1] ?? '',
    ]);
    assert.equal(outcome.succeeded, 2);
    assert.equal(outcome.failed, 1);
    assert.equal(
      outcome.itemFailures[0]?.message,
      `Error processing input file: '${avro}'. File type 'avro' is not supported`,
    );
    assert.equal(byFile.size, 2);
  });

  it('reports a malformed CSV by line and column, and a file lacking signature columns', async () => {
    const lines = (await readFile(PARTS[2] ?? '', 'utf8')).split('\n');
    lines[5] = lines[5]?.replace(/^[^,]+/, 'oops') ?? '';
    const malformed = join(dir, 'malformed.csv');
    await writeFile(malformed, lines.join('\n'));
    const narrow = join(dir, 'narrow.csv');
    await writeFile(narrow, 'mean_radius,mean_texture\n1,2\n');
    const { outcome } = await score(join(MODELS, 'breast-cancer-rf'), [malformed, PARTS[3] ?? '', narrow]);
    assert.equal(outcome.succeeded, 1);
    const [first, second] = outcome.itemFailures;
    assert.equal(first?.file, malformed);
    assert.equal(
      first.message,
      `Error processing input file: '${malformed}'. Line 6, column 'mean_radius': 'oops' is not a number.`,
    );
    assert.match(
      second?.message ?? '',
      /^Error processing input file: '.*narrow\.csv'\. Model is missing inputs \['mean_perimeter', /,
    );
  });

  it('only counts under summary_only', async () => {
    const { outcome, lines } = await score('iris-lr.onnx', [IRIS], { outputAction: 'summary_only' });
    assert.deepEqual(countsOf(outcome), { succeeded: 1, failed: 0, itemFailures: [], rowsWritten: 0 });
    assert.deepEqual(lines, []);
  });
});

describe('onnx runtime, images', () => {
  it('scores the image folder with the TensorSpec (NHWC) model, one row per file', async () => {
    const folder = join(FIXTURES, 'data/colors');
    const files = (await readdir(folder)).map((name) => join(folder, name));
    for (const model of ['color-classifier', 'color-classifier/model.onnx']) {
      const { outcome, byFile } = await score(join(MODELS, model), files, {
        environmentVariables: { NIGHTSHIFT_IMAGE_BATCH: '4' },
      });
      assert.deepEqual(countsOf(outcome), { succeeded: 6, failed: 0, itemFailures: [], rowsWritten: 6 });
      assert.deepEqual(
        Object.fromEntries([...byFile].map(([name, [label]]) => [name, Number(label)])),
        colors.labels,
      );
    }
  });

  it('fails an undecodable image alone', async () => {
    const blue = join(dir, 'blue.jpg');
    await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 10, g: 30, b: 200 } } })
      .jpeg()
      .toFile(blue);
    const broken = join(dir, 'broken.gif');
    await writeFile(broken, 'GIF89a');
    const { outcome, byFile } = await score(join(MODELS, 'color-classifier'), [broken, blue]);
    assert.equal(outcome.succeeded, 1);
    assert.match(
      outcome.itemFailures[0]?.message ?? '',
      /^Error processing input file: '.*broken\.gif'\. Cannot decode the image/,
    );
    assert.deepEqual(byFile.get('blue.jpg'), ['2']);
  });

  it('fails image files when the model takes tables', async () => {
    const { outcome } = await score('iris-lr.onnx', [join(FIXTURES, 'data/colors/red.png')]);
    assert.match(
      outcome.itemFailures[0]?.message ?? '',
      /Cannot tell how an image fits model input 'input' \[N, 4\]/,
    );
  });
});

describe('onnx runtime, init', () => {
  const init = (modelPath: string, environmentVariables: Record<string, string> = {}): Promise<void> =>
    createOnnxRuntime({
      kind: 'onnx',
      modelDir: MODELS,
      modelPath,
      outputDir: dir,
      outputAction: 'append_row',
      loggingLevel: 'info',
      environmentVariables,
    }).init();

  it('refuses an MLflow model without an onnx flavor', async () => {
    const folder = await mkdtemp(join(dir, 'sklearn-'));
    await writeFile(
      join(folder, 'MLmodel'),
      'flavors:\n  python_function: {loader_module: mlflow.sklearn}\n  sklearn: {pickled_model: model.pkl}\n',
    );
    await assert.rejects(init(folder), /has flavors \[python_function, sklearn\] but no 'onnx' flavor/);
  });

  it('refuses a folder with several .onnx files and a bad thread count', async () => {
    const folder = await mkdtemp(join(dir, 'two-'));
    await copyFile(join(MODELS, 'iris-lr.onnx'), join(folder, 'a.onnx'));
    await copyFile(join(MODELS, 'iris-proba.onnx'), join(folder, 'b.onnx'));
    await assert.rejects(init(folder), /exactly one \.onnx file \(found: a\.onnx, b\.onnx\)/);
    await assert.rejects(
      init('iris-lr.onnx', { NIGHTSHIFT_ORT_THREADS: 'two' }),
      /NIGHTSHIFT_ORT_THREADS must be an integer >= 1/,
    );
  });
});
