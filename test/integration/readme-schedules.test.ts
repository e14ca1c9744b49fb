/**
 * The README's "Schedules" section runs as written: its shell blocks are taken from README.md and run by
 * bash (`set -euo pipefail`) with the checkout's bin/ on the PATH against a real server that already has
 * the tour's breast-cancer endpoint. Only the section's `sleep 65` (waiting for the every-minute copy to
 * fire) becomes a wait for that job to complete, so the test neither sleeps longer than needed nor races.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BREAST_CANCER_SETUP, runCli } from '../helpers/cli.ts';
import { REPO_ROOT } from '../helpers/repo.ts';
import { readReadme, shellBlocks, newUserEnv, runShell } from '../helpers/readme.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const WAIT =
  'until nightshift job list --query "[?tags.\\"nightshift.schedule\\"==\'every-minute\'].status" -o tsv | grep -q Completed; do sleep 1; done';

function sectionScript(): string {
  const blocks = shellBlocks(readReadme(), 'Schedules');
  return blocks.join('\n').replace(/^sleep 65$/m, WAIT);
}

let server: TestServer;
let scratch: string;

before(async () => {
  server = await startServer();
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-readme-schedules-'));
  for (const folder of ['examples', 'fixtures']) symlinkSync(join(REPO_ROOT, folder), join(scratch, folder));
  for (const args of BREAST_CANCER_SETUP) {
    const result = await runCli([...args, '-o', 'none'], { server: server.url });
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  }
});

after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

void describe('the README', () => {
  void it('runs the Schedules section as written', async () => {
    const script = sectionScript();
    assert.match(script, /nightshift schedule create -f examples\/breast-cancer\/schedule\.yml/);
    assert.match(script, /until nightshift job list/);
    const env = newUserEnv(scratch, { NIGHTSHIFT_SERVER: server.url, NIGHTSHIFT_DATA_DIR: server.dataDir });
    const { code, stdout, stderr } = await runShell(script, { cwd: scratch, env });
    assert.equal(code, 0, `the README stopped at:\n${stderr.split('\n').slice(-12).join('\n')}`);
    assert.match(
      stdout,
      /^breast-cancer-nightly\s+True\s+breast-cancer\s+cron 0 2 \* \* \* \(W\. Europe Standard Time\)\s+\S+T02:00:00\+0[12]:00$/m,
    );
    assert.match(stdout, /"\d{4}-\d\d-\d\dT02:00:00\+0[12]:00"/);
    assert.match(
      stdout,
      /^every-minute-\d{8}T\d{4}Z\s+Completed\s+azureml:\/\/datastores\/workspaceblobstore\/paths\/minutely\/\d{8}T\d{4}\.csv$/m,
    );
  });
});
