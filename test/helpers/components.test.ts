/**
 * The optional-component helper: each probe kind answers for real (a port that listens and one that no
 * longer does, an executable and a plain file, a command that exits 0 and one that does not), and the
 * options it gives node:test really skip a test with one line, or fail it when CI=true, as seen by a
 * child `node --test` run over a small test file.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  commandSucceeds,
  isCi,
  CHROMIUM,
  CURL,
  isExecutable,
  missingLine,
  NETNS,
  optionsFor,
  POSTGRES,
  PYTHON3,
  PYTHON_LIBRARIES,
  REDIS,
  portAccepts,
  type Component,
} from './components.ts';

const scratch = mkdtempSync(join(tmpdir(), 'nightshift-components-'));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function fake(name: string, present: boolean): Component {
  return { name, remedy: `install ${name}`, probe: () => Promise.resolve(present) };
}

void describe('probes', () => {
  test('a port accepts while a server listens, and not after it closed', async () => {
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    assert.equal(await portAccepts('127.0.0.1', port), true);
    await new Promise((resolve) => server.close(resolve));
    assert.equal(await portAccepts('127.0.0.1', port), false);
  });

  test('an executable file, a plain file and a missing path', async () => {
    const plain = join(scratch, 'plain');
    writeFileSync(plain, 'text');
    const script = join(scratch, 'script');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o755);
    assert.equal(await isExecutable(script), true);
    assert.equal(await isExecutable(plain), false);
    assert.equal(await isExecutable(join(scratch, 'missing')), false);
  });

  test('a command that exits 0, one that exits non-zero and one that does not exist', async () => {
    assert.equal(await commandSucceeds(process.execPath, ['-e', 'process.exit(0)']), true);
    assert.equal(await commandSucceeds(process.execPath, ['-e', 'process.exit(3)']), false);
    assert.equal(await commandSucceeds(join(scratch, 'no-such-program'), []), false);
  });
});

void describe('test options', () => {
  test('present components give no options; missing ones a one-line skip naming each and its fix', async () => {
    assert.deepEqual(await optionsFor([fake('A', true)], {}), {});
    const options = await optionsFor([fake('A', true), fake('B', false), fake('C', false)], {});
    assert.deepEqual(options, { skip: 'needs B: install B; needs C: install C' });
  });

  test('CI=true turns a missing component into an aborted test carrying the same line', async () => {
    const options = await optionsFor([fake('B', false)], { CI: 'true' });
    assert.equal(options.skip, undefined);
    assert.ok(options.signal?.aborted);
    const reason = options.signal.reason as Error;
    assert.match(reason.message, /CI=true .*needs B: install B$/);
    assert.deepEqual(await optionsFor([fake('A', true)], { CI: 'true' }), {});
  });

  test('CI is read the way CI services set it', () => {
    for (const value of ['true', 'TRUE', '1', 'yes']) assert.equal(isCi({ CI: value }), true, value);
    for (const value of [undefined, '', 'false', '0'])
      assert.equal(isCi({ CI: value }), false, String(value));
  });
});

/** Runs `node --test` on a file that declares a missing component, with the given CI value. */
function runMissing(ci: string | undefined): Promise<{ code: number | null; out: string }> {
  const helper = pathToFileURL(join(import.meta.dirname, 'components.ts')).href;
  const file = join(scratch, 'needs-missing.test.ts');
  writeFileSync(
    file,
    `import { test } from 'node:test';
import { needs } from ${JSON.stringify(helper)};
const missing = { name: 'Frobnicator 9', remedy: 'apt-get install frob', probe: async () => false };
test('uses the frobnicator', await needs(missing), () => { throw new Error('the body ran'); });
test('needs nothing', () => {});
`,
  );
  const env = { ...process.env };
  // Inside a test run, node marks children as part of it; this child is a run of its own.
  delete env.NODE_TEST_CONTEXT;
  delete env.CI;
  if (ci !== undefined) env.CI = ci;
  const child = spawn(process.execPath, ['--test', '--test-reporter=spec', file], { env });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      resolve({ code, out });
    });
  });
}

void describe('seen by node --test', () => {
  test('without CI the test is skipped with the line and the run passes', async () => {
    const { code, out } = await runMissing(undefined);
    assert.equal(code, 0, out);
    assert.match(out, /uses the frobnicator .*# needs Frobnicator 9: apt-get install frob/);
    assert.doesNotMatch(out, /the body ran/);
  });

  test('with CI=true the test fails with the line, without running its body', async () => {
    const { code, out } = await runMissing('true');
    assert.equal(code, 1, out);
    assert.match(out, /✖ uses the frobnicator/);
    assert.match(out, /CI=true and a component is missing: needs Frobnicator 9: apt-get install frob/);
    assert.doesNotMatch(out, /the body ran/);
  });
});

void describe('the components the suites declare', () => {
  test('each names itself and the Debian command that provides it, and its probe answers yes or no', async () => {
    for (const component of [CURL, PYTHON3, PYTHON_LIBRARIES, POSTGRES, REDIS, CHROMIUM, NETNS]) {
      assert.match(missingLine([component]), /^needs .+: (sudo )?apt-get install -y \S+/);
      assert.equal(typeof (await component.probe()), 'boolean', component.name);
    }
  });
});
