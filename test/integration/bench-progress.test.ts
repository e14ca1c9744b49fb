/**
 * `npm run bench` shows progress and cleans up after itself (bench/progress.ts), driven in a child
 * process as the bench runs: each section prints a start and an end line with elapsed times, a file a
 * worker process writes to the temp dir lands in the run's scratch folder, and that folder is gone at
 * the end, after a failing section and after Ctrl-C. Kept inputs are named with the command removing them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../helpers/repo.ts';

const scratch = mkdtempSync(join(tmpdir(), 'nightshift-bench-progress-'));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const PROGRESS = pathToFileURL(join(REPO_ROOT, 'bench/progress.ts')).href;

/** A bench script: two sections, the second optionally failing or hanging until interrupted. */
function script(ending: 'ok' | 'throw' | 'hang'): string {
  const file = join(scratch, `bench-${ending}.ts`);
  writeFileSync(
    file,
    `import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startBenchRun } from ${JSON.stringify(PROGRESS)};
const bench = startBenchRun(${JSON.stringify(scratch)});
try {
  await bench.section('(a) first', async () => {
    // A worker process writing to "the temp dir", as onnxruntime and the warm-up files do.
    const child = spawnSync(process.execPath, ['-e', "const f = require('path').join(require('os').tmpdir(), 'worker.log'); require('fs').writeFileSync(f, 'x'); console.log(f)"], { encoding: 'utf8' });
    console.log('WORKER ' + child.stdout.trim());
    // An input generated for the bench, as the sections do: kept with BENCH_KEEP_DATA=1, else removed.
    mkdirSync(bench.dataRoot, { recursive: true });
    writeFileSync(join(bench.dataRoot, 'input.csv'), 'a,1');
    console.log('DATA ' + bench.dataRoot);
    console.log('SCRATCH ' + tmpdir());
  });
  await bench.section('(b) second', async () => {
    ${ending === 'throw' ? "throw new Error('section failed');" : ending === 'hang' ? "console.log('HANGING'); await new Promise(() => setInterval(() => undefined, 1000));" : ''}
  });
} finally {
  bench.finish();
}
`,
  );
  return file;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  value(tag: string): string;
}

/** The start (▶) or end (✔) line of a section on stderr. */
function sectionLine(mark: '▶' | '✔', name: string): RegExp {
  const times = mark === '✔' ? ' \\(\\d+\\.\\d s\\)' : '';
  return new RegExp(`^\\[bench \\d+:\\d\\d\\] ${mark} ${name.replace(/[()]/g, '\\$&')}${times}$`, 'm');
}

/** The run's scratch folder, which the bench script printed; fails when it did not print one. */
function scratchOf(run: Run): string {
  const folder = run.value('SCRATCH');
  assert.match(folder, /nightshift-bench-/, `no scratch folder printed:\n${run.stdout}\n${run.stderr}`);
  return folder;
}

function runBench(ending: 'ok' | 'throw' | 'hang', env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [script(ending)], {
    env: { ...process.env, BENCH_KEEP_DATA: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (chunk.includes('HANGING')) child.kill('SIGINT');
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      resolve({
        code,
        stdout,
        stderr,
        value: (tag) => new RegExp(`^${tag} (.*)$`, 'm').exec(stdout)?.[1] ?? '',
      });
    });
  });
}

void describe('bench progress and clean-up', () => {
  test('a start and an end line per section, with times; the scratch folder is removed', async () => {
    const run = await runBench('ok');
    assert.equal(run.code, 0, run.stderr);
    for (const name of ['(a) first', '(b) second']) {
      assert.match(run.stderr, sectionLine('▶', name));
      assert.match(run.stderr, sectionLine('✔', name));
    }
    const folder = scratchOf(run);
    assert.ok(run.value('WORKER').startsWith(`${folder}/`), run.stdout);
    assert.ok(run.value('DATA').startsWith(`${folder}/`), run.stdout);
    assert.equal(existsSync(folder), false);
    assert.match(run.stderr, /removed the scratch folder/);
  });

  test('a failing section and Ctrl-C still remove the scratch folder', async () => {
    const failed = await runBench('throw');
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /section failed/);
    assert.match(failed.stderr, sectionLine('✔', '(a) first'));
    assert.doesNotMatch(
      failed.stderr,
      sectionLine('✔', '(b) second'),
      'a failed section is not shown as done',
    );
    assert.equal(existsSync(scratchOf(failed)), false);
    const interrupted = await runBench('hang');
    assert.equal(interrupted.code, 130, interrupted.stderr);
    assert.match(interrupted.stderr, /SIGINT: stopping/);
    assert.doesNotMatch(interrupted.stderr, sectionLine('✔', '(b) second'));
    assert.equal(existsSync(scratchOf(interrupted)), false);
  });

  test('BENCH_KEEP_DATA=1 keeps the inputs in bench/.data and says how to remove them', async () => {
    const run = await runBench('ok', { BENCH_KEEP_DATA: '1' });
    assert.equal(run.code, 0, run.stderr);
    const kept = join(scratch, 'bench/.data');
    assert.equal(run.value('DATA'), kept);
    assert.equal(readFileSync(join(kept, 'input.csv'), 'utf8'), 'a,1', 'the kept input is still there');
    assert.equal(existsSync(scratchOf(run)), false, 'the scratch folder is removed all the same');
    assert.match(
      run.stderr,
      new RegExp(`inputs kept for the next run in ${kept}; remove them with: rm -rf ${kept}`),
    );
  });
});
