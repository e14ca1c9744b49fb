/**
 * `nightshift demo` end to end, and its last hint: the demo starts its own service on a given port and
 * data dir, scores the sample and stops; then the commands it printed are run exactly as printed (from
 * the repository root, with no NIGHTSHIFT_* variable to help them) and must start the service again and
 * show the job, Completed; and what it left for the studio (a second deployment, data assets, a pipeline
 * with its parameters filled in) is there and the pipeline runs.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { stopProcess } from '../helpers/processes.ts';
import { REPO_ROOT } from '../helpers/repo.ts';

const scratch = mkdtempSync(join(tmpdir(), 'nightshift-demo-'));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The environment of a new shell: none of the variables that would point the CLI at the server. */
function plainEnv(): NodeJS.ProcessEnv {
  const hidden = new Set(['NIGHTSHIFT_SERVER', 'NIGHTSHIFT_DATA_DIR', 'NIGHTSHIFT_PORT', 'NIGHTSHIFT_DEBUG']);
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !hidden.has(name))),
    NIGHTSHIFT_CONFIG_DIR: join(scratch, 'config'),
  };
}

void describe('nightshift demo', () => {
  test('scores the sample, then its printed next steps work after it ended', async (t) => {
    const port = await freePort();
    const dataDir = join(scratch, 'data');
    const demo = await runCli(['demo', '--server', `http://127.0.0.1:${port}`, '--data-dir', dataDir], {
      env: { NIGHTSHIFT_CONFIG_DIR: join(scratch, 'config') },
    });
    assert.equal(demo.code, 0, demo.stderr);
    const job = /^Job (\S+): Completed/m.exec(demo.stdout)?.[1];
    assert.ok(job, demo.stdout);
    assert.match(demo.stdout, /the demo's service has stopped/);
    const steps = demo.stdout
      .split('\n')
      .filter((line) => line.startsWith('  ./bin/nightshift '))
      .map((line) => line.replace(/\s+#.*$/, '').trim());
    assert.equal(steps.length, 2, demo.stdout);
    const [serveLine = '', showLine = ''] = steps;
    assert.match(serveLine, /^\.\/bin\/nightshift serve /);

    const serve = spawn('sh', ['-c', `exec ${serveLine}`], {
      cwd: REPO_ROOT,
      env: plainEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Waits for it to exit (SIGKILL if it must), on every path, before the scratch folder is removed.
    t.after(() => stopProcess(serve));
    let out = '';
    let err = '';
    serve.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      serve.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const match = /listening on (\S+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      serve.on('close', () => {
        reject(new Error(`'${serveLine}' ended: ${err}`));
      });
    });
    assert.equal(url, `http://127.0.0.1:${port}`);
    const shown = spawnSync('sh', ['-c', showLine], { cwd: REPO_ROOT, env: plainEnv(), encoding: 'utf8' });
    assert.equal(shown.status, 0, `${showLine}: ${shown.stderr}`);
    assert.match(shown.stdout, new RegExp(`${job}.*Completed`));

    // What the demo leaves for the studio's flows: a deployment to roll back to, data assets to invoke on,
    // and a pipeline whose defaults score the sample.
    const flags = / --server \S+ --data-dir \S+/.exec(showLine)?.[0] ?? '';
    const cli = (args: string) =>
      spawnSync('sh', ['-c', `./bin/nightshift ${args}${flags}`], {
        cwd: REPO_ROOT,
        env: plainEnv(),
        encoding: 'utf8',
      });
    const deployments = cli('batch-deployment list -e demo-breast-cancer --query "[].name" -o tsv');
    assert.deepEqual(deployments.stdout.trim().split('\n').sort(), ['onnx-forest', 'onnx-forest-previous']);
    const assets = cli('data list --query "[].name" -o tsv');
    assert.match(assets.stdout, /breast-cancer-sample/, assets.stderr);
    assert.match(assets.stdout, /breast-cancer-broken/, assets.stderr);
    const run = cli('pipeline run Run-BatchEndpoint --wait');
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  });
});
