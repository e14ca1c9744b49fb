/**
 * The README runs top to bottom: the shell blocks of "A short tour" (the curl walk-through included),
 * "Identity and access", "Computes and metrics" and "Pipelines (Data Factory)" are taken from README.md
 * as written and run by bash (`set -euo pipefail`, every command traced) with the checkout's bin/ on the
 * PATH, as the set-up tells users, against a real server. Only starting the service is left out: the
 * test's server plays it, named by NIGHTSHIFT_SERVER and NIGHTSHIFT_DATA_DIR (and in place of the README's
 * 127.0.0.1:8080). A name the reader would paste from an earlier answer is asked of the CLI instead.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CURL, needs } from '../helpers/components.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { REPO_ROOT } from '../helpers/repo.ts';
import { shellBlocks, newUserEnv, runShell } from '../helpers/readme.ts';

/**
 * The tour, the identity block and the pipeline block as one bash script against `url`. Where the README
 * has the reader paste a name it printed, the script asks for the newest one; where it names the default
 * address, the script names the test's server.
 */
function tourScript(url: string): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const blocks = [
    ...shellBlocks(readme, 'A short tour'),
    ...shellBlocks(readme, 'Identity and access'),
    ...shellBlocks(readme, 'Computes and metrics'),
    ...shellBlocks(readme, 'Pipelines (Data Factory)'),
  ];
  return blocks
    .join('\n')
    .split('\n')
    .filter((line) => !/^nightshift serve\b/.test(line))
    .map((line) =>
      line
        .replaceAll('http://127.0.0.1:8080', url)
        .replace('<name>', '"$(nightshift job list --query "[0].name" -o tsv)"')
        .replace('<runId>', '"$(nightshift pipeline run-list --query "[0].runId" -o tsv)"'),
    )
    .join('\n');
}

let server: TestServer;
let scratch: string;

before(async () => {
  server = await startServer();
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-readme-'));
  // The tour's relative paths resolve as in a checkout; what it writes (./out) stays in the scratch folder.
  for (const folder of ['examples', 'fixtures']) symlinkSync(join(REPO_ROOT, folder), join(scratch, folder));
});

after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const curl = await needs(CURL);

void describe('the README', curl, () => {
  void it('runs the tour, the identity block and the pipeline block top to bottom', async () => {
    const script = tourScript(server.url);
    assert.match(script, /nightshift batch-endpoint invoke/);
    assert.match(script, /nightshift logout/);
    assert.match(script, /curl -s -X PUT .*\/paths\/samples\//);
    assert.match(script, /nightshift pipeline run Run-BatchEndpoint --wait/);
    const env = newUserEnv(scratch, { NIGHTSHIFT_SERVER: server.url, NIGHTSHIFT_DATA_DIR: server.dataDir });
    const { code, stdout, stderr } = await runShell(script, { cwd: scratch, env });
    assert.equal(code, 0, `the README stopped at:\n${stderr.split('\n').slice(-12).join('\n')}`);
    assert.ok(existsSync(join(scratch, 'out', 'named-outputs', 'score', 'predictions.csv')));
    assert.match(stdout, /^forest\s+breast-cancer\s+breast-cancer-rf:1\s/m);
    assert.match(stdout, /^\S+\s+adf-pipeline\s+token\/issue\s+200\s+Succeeded$/m);
    // The pipeline scored the uploaded samples: its run succeeded and its output is in the datastore.
    assert.match(stdout, /"status": "Succeeded"/);
    const predictions = join(server.dataDir, 'datastores/workspaceblobstore/pipeline-out/predictions.csv');
    assert.ok(existsSync(predictions), `no ${predictions}`);
  });
});
