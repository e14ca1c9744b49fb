/**
 * The README runs top to bottom: the shell blocks of "A short tour" and "Identity and access" are taken
 * from README.md as written and run by bash (`set -euo pipefail`, every command traced) with the
 * checkout's bin/ on the PATH, as the set-up tells users, against a real server. Only what cannot run
 * here is left out: starting the service (the test's server plays it, named by NIGHTSHIFT_SERVER and
 * NIGHTSHIFT_DATA_DIR) and the curl walk-through, whose last line waits for the reader to paste a name.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { REPO_ROOT } from '../helpers/repo.ts';

/** The ```sh blocks of the README section that starts with `heading`. */
function shellBlocks(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}`);
  assert.ok(start >= 0, `README has no section '${heading}'`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

function tourScript(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const blocks = [...shellBlocks(readme, 'A short tour'), ...shellBlocks(readme, 'Identity and access')];
  return blocks
    .filter((block) => !block.includes('curl '))
    .map((block) =>
      block
        .split('\n')
        .filter((line) => !/^nightshift serve\b/.test(line))
        .join('\n'),
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

void describe('the README', () => {
  void it('runs the tour and the identity block top to bottom', async () => {
    const script = tourScript();
    assert.match(script, /nightshift batch-endpoint invoke/);
    assert.match(script, /nightshift logout/);
    const env = {
      ...process.env,
      PATH: `${join(REPO_ROOT, 'bin')}:${process.env.PATH ?? ''}`,
      HOME: join(scratch, 'home'),
      NIGHTSHIFT_CONFIG_DIR: join(scratch, 'home', '.nightshift'),
      NIGHTSHIFT_SERVER: server.url,
      NIGHTSHIFT_DATA_DIR: server.dataDir,
    };
    const child = spawn('bash', ['-c', `set -euxo pipefail\n${script}`], { cwd: scratch, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, `the README stopped at:\n${stderr.split('\n').slice(-12).join('\n')}`);
    assert.ok(existsSync(join(scratch, 'out', 'named-outputs', 'score', 'predictions.csv')));
    assert.match(stdout, /^forest\s+breast-cancer\s+breast-cancer-rf:1\s/m);
    assert.match(stdout, /^\S+\s+adf-pipeline\s+token\/issue\s+200\s+Succeeded$/m);
  });
});
