/**
 * How the CLI starts, as a user's shell starts it. `--help` loads commander and the command table only,
 * and one command loads its own group and not the others (the pipeline validators, the server): counted
 * with a module-load hook, so the test holds on any machine speed. The launchers users run (bin/nightshift,
 * and bin/nightshift.js under an older system node, which re-executes with the project's pinned Node)
 * answer without warnings, pass the exit code through, and pass a SIGTERM on to a server they started.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MAIN } from '../helpers/cli.ts';
import { stopProcess } from '../helpers/processes.ts';
import { REPO_ROOT } from '../helpers/repo.ts';

const scratch = mkdtempSync(join(tmpdir(), 'nightshift-cli-start-'));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const HOOK = join(scratch, 'record-loads.mjs');
writeFileSync(
  HOOK,
  `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({ load(url, context, next) { appendFileSync(process.env.LOADS_FILE, url + '\\n'); return next(url, context); } });
`,
);

/** The modules one CLI run loads, relative to the repository (node_modules/x for packages). */
function loadedBy(args: readonly string[]): string[] {
  const file = join(scratch, `loads-${args.join('-').replace(/\W+/g, '_')}.txt`);
  const run = spawnSync(process.execPath, ['--import', HOOK, MAIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOADS_FILE: file },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith('file://'))
    .map((url) =>
      url.replace(`file://${REPO_ROOT}`, '').replace(/node_modules\/((@[^/]+\/)?[^/]+).*/, 'node_modules/$1'),
    );
}

void describe('what a command loads', () => {
  test('--help loads the command table and commander, no command module and no YAML', () => {
    const loaded = loadedBy(['--help']);
    assert.ok(loaded.includes('src/cli/command-table.ts'), loaded.join('\n'));
    assert.deepEqual(
      loaded.filter((m) => m.startsWith('src/cli/commands/') || m === 'node_modules/yaml'),
      [],
    );
  });

  test('batch-endpoint show loads its group, not the pipeline, job or server modules', () => {
    const loaded = loadedBy(['batch-endpoint', 'show', '--help']);
    assert.ok(loaded.includes('src/cli/commands/batch-endpoint.ts'), loaded.join('\n'));
    const foreign = loaded.filter(
      (m) =>
        m.startsWith('src/pipelines/') ||
        m.startsWith('src/cli/commands/pipeline/') ||
        m === 'src/cli/commands/job.ts' ||
        m === 'src/app.ts' ||
        m === 'node_modules/fastify' ||
        m === 'node_modules/cli-progress',
    );
    assert.deepEqual(foreign, []);
  });
});

/** The newest system node older than 22.18, whose start goes through the launcher's re-execution. */
function oldSystemNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const version = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (version.status !== 0) continue;
    const [major = 0, minor = 0] = version.stdout.trim().split('.').map(Number);
    if (major < 22 || (major === 22 && minor < 18)) return candidate;
  }
  return undefined;
}

const OLD_NODE = oldSystemNode();

void describe('launchers', () => {
  test('bin/nightshift answers with the pinned Node, without warnings, and passes the exit code', () => {
    const version = spawnSync(join(REPO_ROOT, 'bin/nightshift'), ['--version'], { encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout, '0.1.0\n');
    assert.equal(version.stderr, '');
    const missing = spawnSync(join(REPO_ROOT, 'bin/nightshift'), ['batch-endpoint', 'show'], {
      encoding: 'utf8',
    });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /the following arguments are required: --name\/-n/);
  });

  test(
    'bin/nightshift.js under an older system node re-executes with the pinned Node',
    { skip: OLD_NODE === undefined ? 'no system node older than 22.18 on this machine' : false },
    () => {
      const run = spawnSync(
        OLD_NODE ?? '',
        [join(REPO_ROOT, 'bin/nightshift.js'), 'batch-endpoint', 'show'],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /^ERROR: the following arguments are required: --name\/-n\n$/);
    },
  );

  test(
    'a SIGTERM sent to the launcher stops the server it started',
    { skip: OLD_NODE === undefined ? 'no system node older than 22.18 on this machine' : false },
    async (t) => {
      const dataDir = join(scratch, 'serve');
      const child = spawn(
        OLD_NODE ?? '',
        [join(REPO_ROOT, 'bin/nightshift.js'), 'serve', '--port', '0', '--data-dir', dataDir],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      // On every path: a failed assertion below must not leave the launcher and its server running.
      t.after(() => stopProcess(child));
      let stdout = '';
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
          const match = /listening on (\S+)/.exec(stdout);
          if (match?.[1]) resolve(match[1]);
        });
        child.on('close', () => {
          reject(new Error(`serve ended before it was ready: ${stderr}`));
        });
      });
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      assert.match(stderr, /SIGTERM received, shutting down/);
      await assert.rejects(fetch(`${url}/healthz`));
    },
  );
});
