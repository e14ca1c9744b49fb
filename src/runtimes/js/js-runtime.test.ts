import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { PartSink, RuntimeSettings } from '../contract.ts';
import { createJsRuntime } from './js-runtime.ts';

const scripts = fileURLToPath(new URL('../../../test/fixtures/scripts/', import.meta.url));
let dir = '';
let files: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nightshift-js-runtime-'));
  files = ['one.txt', 'two.txt', 'three.txt'].map((name) => join(dir, name));
  await Promise.all(files.map((file, i) => writeFile(file, 'x'.repeat(i + 1))));
});
after(() => rm(dir, { recursive: true, force: true }));

function settings(scoringScript: string, overrides: Partial<RuntimeSettings> = {}): RuntimeSettings {
  return {
    kind: 'js',
    modelDir: dir,
    modelPath: join(dir, 'model'),
    codeDir: scripts,
    scoringScript,
    outputDir: dir,
    outputAction: 'append_row',
    loggingLevel: 'warning',
    environmentVariables: {},
    ...overrides,
  };
}

function memorySink(): PartSink & { text: string } {
  const sink = {
    text: '',
    write(chunk: string) {
      sink.text += chunk;
      return Promise.resolve();
    },
  };
  return sink;
}

void test('a .ts script runs in-process: counts and lines', async () => {
  const runtime = createJsRuntime(settings('strings.ts'));
  await runtime.init();
  const sink = memorySink();
  const outcome = await runtime.run(files, sink);
  assert.deepEqual(outcome, { succeeded: 3, failed: 0, itemFailures: [], rowsWritten: 3 });
  assert.equal(sink.text, 'one.txt: 1\ntwo.txt: 2\nthree.txt: 3\n');
  await runtime.dispose();
});

void test('summary_only counts the result but writes nothing', async () => {
  const runtime = createJsRuntime(settings('too-few.ts', { outputAction: 'summary_only' }));
  await runtime.init();
  const sink = memorySink();
  const outcome = await runtime.run(files, sink);
  assert.deepEqual(outcome, { succeeded: 2, failed: 1, itemFailures: [], rowsWritten: 0 });
  assert.equal(sink.text, '');
});

void test('CommonJS (.cjs) and ES module (.mjs) scripts are accepted', async () => {
  const code = join(dir, 'code');
  await mkdir(code);
  await writeFile(join(code, 'score.cjs'), 'module.exports = { run: (batch) => batch.map(() => "cjs") };\n');
  await writeFile(
    join(code, 'score.mjs'),
    'export async function init() {}\nexport const run = (b) => b.map(() => "mjs");\n',
  );
  for (const script of ['score.cjs', 'score.mjs']) {
    const runtime = createJsRuntime(settings(script, { codeDir: code }));
    await runtime.init();
    const sink = memorySink();
    await runtime.run(files.slice(0, 1), sink);
    assert.equal(sink.text, `${script.slice(-3)}\n`);
  }
});

void test('a script without run() fails init with a message naming the script', async () => {
  const runtime = createJsRuntime(settings('no-run.ts'));
  await assert.rejects(runtime.init(), {
    message: `The scoring script ${join(scripts, 'no-run.ts')} does not export a run(miniBatch, context) function.`,
  });
});

void test('a missing script fails init with its path', async () => {
  const runtime = createJsRuntime(settings('nope.js'));
  await assert.rejects(runtime.init(), {
    message: `The scoring script ${join(scripts, 'nope.js')} was not found.`,
  });
});

void test('a wrong return type rejects the run', async () => {
  const runtime = createJsRuntime(settings('wrong-type.ts'));
  await runtime.init();
  await assert.rejects(runtime.run(files, memorySink()), { name: 'ScoringResultTypeError' });
});
