/**
 * The README's "Webhooks" section runs as written: after the tour's resource block (the breast-cancer
 * endpoint), its receiver (the section's JavaScript, saved as receiver.mjs) and its shell blocks are run
 * by bash with the checkout's bin/ on the PATH against a real server started as the section says (local
 * http receivers allowed). The bad job fails and the receiver prints the signed event it verified; the
 * management block lists the subscription without its secret and deletes it. Only the receiver's port is
 * changed, from the README's 9000 to a free one, so parallel runs do not collide.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readReadme, shellBlocks, newUserEnv } from '../helpers/readme.ts';
import { REPO_ROOT } from '../helpers/repo.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

let server: TestServer;
let scratch: string;
let receiverGroup: ChildProcess | undefined;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

before(async () => {
  // What `nightshift serve --allow-url-hosts 127.0.0.1 --allow-http-urls` sets.
  server = await startServer({
    env: { NIGHTSHIFT_ALLOW_URL_HOSTS: '127.0.0.1', NIGHTSHIFT_ALLOW_HTTP_URLS: 'true' },
  });
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-readme-webhooks-'));
  for (const folder of ['examples', 'fixtures']) symlinkSync(join(REPO_ROOT, folder), join(scratch, folder));
});

after(async () => {
  // The receiver runs in the background of the section's script: its process group goes with the test.
  if (receiverGroup?.pid !== undefined) {
    try {
      process.kill(-receiverGroup.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function bash(script: string, env: NodeJS.ProcessEnv) {
  const child = spawn('bash', ['-c', script], { cwd: scratch, env, detached: true });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, output, exited };
}

void describe('the README, Webhooks', () => {
  void it('subscribes a verifying receiver that hears the failed job, then lists and deletes it', async () => {
    const readme = readReadme();
    const setup = shellBlocks(readme, 'A short tour').find((b) => b.includes('batch-deployment create'));
    const [serve, subscribe, manage] = shellBlocks(readme, 'Webhooks');
    const section = readme.slice(readme.indexOf('\n## Webhooks'));
    const receiver = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(setup && serve && subscribe && manage && receiver, 'the README has every block');
    assert.match(serve, /nightshift serve --allow-url-hosts 127\.0\.0\.1 --allow-http-urls/);
    const port = String(await freePort());
    writeFileSync(join(scratch, 'receiver.mjs'), receiver.replace('.listen(9000,', `.listen(${port},`));
    const env = newUserEnv(scratch, {
      NIGHTSHIFT_SERVER: server.url,
      NIGHTSHIFT_DATA_DIR: server.dataDir,
    });
    const script = `set -euxo pipefail\n${setup}\n${subscribe.replaceAll('127.0.0.1:9000', `127.0.0.1:${port}`)}`;
    const run = bash(script, env);
    receiverGroup = run.child;
    const code = await run.exited;
    assert.equal(code, 0, `the README stopped at:\n${run.output.stderr.split('\n').slice(-12).join('\n')}`);
    // The receiver, still running in the script's background, prints the event once it is delivered.
    await waitFor('the receiver to print the failed job', () => run.output.stdout, {
      until: (out) => /RunStatusChanged: job \S+ of breast-cancer is Failed/.test(out),
      timeoutMs: 60_000,
    });
    assert.doesNotMatch(run.output.stdout, /refused: bad signature/);

    const managed = bash(`set -euxo pipefail\n${manage}`, env);
    assert.equal(await managed.exited, 0, managed.output.stderr);
    assert.match(managed.output.stdout, /on-failure/);
    const secret = readFileSync(join(scratch, 'webhook-secret.txt'), 'utf8').trim();
    assert.ok(secret.length >= 16, 'create printed a secret');
    assert.ok(!managed.output.stdout.includes(secret), 'no later command shows the secret');
  });
});
