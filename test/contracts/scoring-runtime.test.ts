/**
 * The scoring runtime contract suite (src/runtimes/contract.ts): every runtime must pass it unchanged.
 * It drives each runtime the way the engine does, in a real worker process (worker-main.ts forked by
 * the launcher, spoken to through WorkerProcess), so what it pins is what the pool and the job loop
 * rely on: init() once, run() per mini-batch, dispose() at the end; Azure's counting
 * (succeeded + failed = the mini-batch's files, succeeded = min(returned, files)); item failures that
 * name their files; rowsWritten equal to the lines appended, each ending in "\n"; summary_only counting
 * without writing; a size and sha256 per input; init() and run() failures that carry the script's
 * message and traceback; the environment a script is promised (its variables, AZUREML_MODEL_DIR,
 * AZUREML_BI_OUTPUT_PATH, the code folder as working directory, `--logging_level`).
 *
 * A new runtime adds one entry to `runtimes` (scoring-runtimes.ts, with the harness). A runtime that runs a user script runs the suite's own
 * (test/contracts/scoring/), whose behaviour the tests choose through environment variables; a no-code
 * runtime says which of its inputs fails on its own. Promises that need a capability a runtime lacks
 * (a script to make fail or to report its environment; per-file failures) are skipped with the reason.
 */
import { describe, test, beforeEach, type TestOptions } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { InputDigest } from '../../src/runtimes/contract.ts';
import { isAlive } from '../helpers/processes.ts';
import { describeContract } from './implementations.ts';
import { done, implementations, ready, runtimes, SCRIPTS, type Harness } from './scoring-runtimes.ts';

const part = (h: Harness, id: string) => readFile(join(h.dir, 'parts', `${id}.part`), 'utf8');

function digest(path: string): InputDigest {
  const bytes = readFileSync(path);
  return { file: path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The suite's own lines in a script's stdout (`contract: ...`), without the prefix. */
function contractLines(stdout: string): string[] {
  return stdout.split('\n').flatMap((line) => (line.startsWith('contract: ') ? [line.slice(10)] : []));
}

const NO_SCRIPT = 'runs no user script: nothing to make fail, count or report its environment';
const NO_ITEMS = 'runs a script, whose run() succeeds or fails as a whole: it reports no failure per file';

await describeContract('ScoringRuntime', implementations, (context) => {
  const runtime = runtimes.find((r) => r.name === context.implementation.name);
  if (runtime === undefined) throw new Error(`no runtime named ${context.implementation.name}`);
  const scriptOnly: TestOptions = runtime.script ? {} : { skip: NO_SCRIPT };
  let h: Harness;
  beforeEach(() => {
    h = context.current();
  });

  test('init() runs once, run() once per mini-batch, and dispose() ends the worker cleanly', async () => {
    const files = h.inputs(runtime.inputs);
    const started = h.start(h.deployment());
    await ready(started);
    for (const [i, batch] of [[files[0]], [files[1]], files].entries()) {
      done(
        await h.run(
          started,
          `mb-${i}`,
          batch.filter((f) => f !== undefined),
        ),
      );
    }
    const { stdout, code } = await h.stop(started);
    assert.equal(code, 0, 'dispose() lets the worker exit by itself');
    if (!runtime.script) return;
    const lines = contractLines(stdout).filter((line) => !line.startsWith('env '));
    const pid = Number(/^init pid=(\d+)$/.exec(lines[0] ?? '')?.[1]);
    assert.deepEqual(lines, [`init pid=${pid}`, 'run 1', 'run 1', `run ${files.length}`]);
    assert.equal(isAlive(pid), false, "the script's process is gone after dispose()");
  });

  test('succeeded + failed = the files of the mini-batch, all succeeded when each scored', async () => {
    const files = h.inputs(runtime.inputs);
    const started = h.start(h.deployment());
    const outcome = done(await h.run(started, 'mb', files));
    assert.equal(outcome.succeeded, files.length);
    assert.equal(outcome.failed, 0);
    assert.deepEqual(outcome.itemFailures, []);
  });

  test(
    'a script returning fewer or more results than files: succeeded = min(returned, files)',
    scriptOnly,
    async () => {
      const files = h.inputs(runtime.inputs);
      for (const [rows, expected] of [
        ['fewer', { succeeded: files.length - 1, failed: 1, rowsWritten: files.length - 1 }],
        ['more', { succeeded: files.length, failed: 0, rowsWritten: files.length + 1 }],
      ] as const) {
        const started = h.start(h.deployment({ environmentVariables: { CONTRACT_ROWS: rows } }));
        const outcome = done(await h.run(started, `mb-${rows}`, files));
        const { succeeded, failed, rowsWritten } = outcome;
        assert.deepEqual({ succeeded, failed, rowsWritten }, expected, rows);
        assert.equal((await part(h, `mb-${rows}`)).split('\n').length - 1, expected.rowsWritten);
      }
    },
  );

  const itemsOnly: TestOptions = runtime.failingInput ? {} : { skip: NO_ITEMS };
  test(
    'an input that fails alone is an item failure naming its file; the others score',
    itemsOnly,
    async () => {
      const failing = runtime.failingInput;
      assert.ok(failing);
      const [first, bad, second] = h.inputs(
        [runtime.inputs[0], failing, runtime.inputs[1]].flatMap((f) => f ?? []),
      );
      assert.ok(first && bad && second);
      const outcome = done(await h.run(h.start(h.deployment()), 'mb', [first, bad, second]));
      assert.equal(outcome.succeeded, 2);
      assert.equal(outcome.failed, 1);
      assert.deepEqual(
        outcome.itemFailures.map((f) => f.file),
        [bad],
      );
      for (const f of outcome.itemFailures) assert.match(f.message, failing.message);
      const text = await part(h, 'mb');
      assert.equal(text.includes(failing.name), false, 'nothing is written for the failed file');
      assert.equal(
        outcome.rowsWritten,
        runtime.inputs.reduce((sum, f) => sum + f.rows, 0),
      );
    },
  );

  test('rowsWritten is the number of lines appended to the part, each ending in "\\n"', async () => {
    const files = h.inputs(runtime.inputs);
    const outcome = done(await h.run(h.start(h.deployment()), 'mb', files));
    const text = await part(h, 'mb');
    assert.ok(text.endsWith('\n'), 'the last line ends in \\n');
    const lines = text.slice(0, -1).split('\n');
    assert.equal(outcome.rowsWritten, lines.length);
    assert.equal(lines.includes(''), false, 'no empty line');
    for (const input of runtime.inputs) {
      assert.equal(lines.filter((line) => line.includes(input.name)).length, input.rows, input.name);
    }
  });

  test('summary_only counts the items and writes nothing', async () => {
    const files = h.inputs(runtime.inputs);
    const started = h.start(h.deployment({ outputAction: 'summary_only' }));
    const outcome = done(await h.run(started, 'mb', files));
    const { succeeded, failed, rowsWritten } = outcome;
    assert.deepEqual(
      { succeeded, failed, rowsWritten },
      { succeeded: files.length, failed: 0, rowsWritten: 0 },
    );
    assert.equal((await readdir(h.dir)).includes('parts'), false, 'no part file, not even an empty one');
  });

  test('every input of a finished run() comes back with its size and sha256', async () => {
    const files = h.inputs(runtime.inputs);
    const outcome = done(await h.run(h.start(h.deployment()), 'mb', files));
    const byFile = (a: InputDigest, b: InputDigest) => a.file.localeCompare(b.file);
    assert.deepEqual([...(outcome.inputs ?? [])].sort(byFile), files.map(digest).sort(byFile));
  });

  test("an init() failure is reported with its message and the script's traceback", async () => {
    const broken = runtime.brokenInit({ dir: h.dir, outputAction: 'append_row', environmentVariables: {} });
    const result = await h.start(broken.settings).ready;
    assert.equal(result.ok, false, 'init() must fail');
    assert.match(result.message, broken.message);
    if (broken.stack) assert.match(result.stack ?? '', broken.stack);
  });

  test(
    "a run() failure carries the script's message and traceback, and leaves no part",
    scriptOnly,
    async () => {
      const [good, bad] = h.inputs([
        { name: 'good.txt', content: 'g\n', rows: 1 },
        { name: 'raise.txt', content: 'r\n', rows: 0 },
      ]);
      assert.ok(good && bad);
      const started = h.start(h.deployment());
      const result = await h.run(started, 'mb-fails', [good, bad]);
      assert.equal(result.kind, 'exception');
      assert.match(result.message, /contract: cannot score raise\.txt$/);
      assert.match(result.stack ?? '', runtime.script ?? /$^/);
      assert.match(result.stack ?? '', /score_?[fF]ile/);
      await assert.rejects(part(h, 'mb-fails'), { code: 'ENOENT' });
      // The worker survives its script's exception: the next mini-batch scores.
      assert.equal(done(await h.run(started, 'mb-next', [good])).succeeded, 1);
    },
  );

  test(
    'the script sees its environment variables, AZUREML_MODEL_DIR and the output path',
    scriptOnly,
    async () => {
      const settings = h.deployment({ environmentVariables: { CONTRACT_VARIABLE: 'set by the deployment' } });
      const started = h.start(settings);
      await ready(started);
      const { stdout } = await h.stop(started);
      const env = contractLines(stdout).find((line) => line.startsWith('env '));
      assert.ok(env, stdout);
      assert.deepEqual(JSON.parse(env.slice(4)), {
        modelDir: settings.modelDir,
        outputDir: settings.outputDir,
        variable: 'set by the deployment',
        cwd: SCRIPTS.replace(/\/$/, ''),
        argv: '--logging_level INFO',
      });
    },
  );
});

describe('the scoring runtime contract suite', () => {
  test('lists the runtimes the engine starts', () => {
    const kinds = new Set(
      runtimes.map(
        (r) => r.settings({ dir: '/x', outputAction: 'append_row', environmentVariables: {} }).kind,
      ),
    );
    assert.deepEqual([...kinds].sort(), ['js', 'onnx', 'python']);
  });
});
