/**
 * The README's "Rerun what failed" runs as written: after the tour's resource block (the breast-cancer
 * endpoint), its shell block, taken from README.md, is run by bash (`set -euo pipefail`) with the
 * checkout's bin/ on the PATH against a real server. The job over a folder with one empty file completes
 * with that item failed; after the fix, the failed-only rerun completes with every item, and its
 * downloaded output is the one a full rerun writes, with a manifest naming the first job.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { Nightshift } from '../helpers/jobs.ts';
import { REPO_ROOT } from '../helpers/repo.ts';
import { shellBlocks, newUserEnv, runShell } from '../helpers/readme.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let scratch: string;

before(async () => {
  server = await startServer();
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-readme-rerun-'));
  for (const folder of ['examples', 'fixtures']) symlinkSync(join(REPO_ROOT, folder), join(scratch, folder));
});

after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

void describe('the README, Rerun what failed', () => {
  void it('scores the fixed file only and downloads a complete output naming the first job', async () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const setup = shellBlocks(readme, 'A short tour').find((b) => b.includes('batch-deployment create'));
    const [rerun] = shellBlocks(readme, 'Rerun what failed');
    assert.ok(setup !== undefined && rerun !== undefined, 'the README has both blocks');
    assert.match(rerun, /nightshift job rerun -n \$JOB --failed-only/);
    const env = newUserEnv(scratch, { NIGHTSHIFT_SERVER: server.url, NIGHTSHIFT_DATA_DIR: server.dataDir });
    const script = `${setup}\n${rerun}\necho "PARENT=$JOB"\n`;
    const { code, stdout, stderr } = await runShell(script, { cwd: scratch, env });
    assert.equal(code, 0, `the README stopped at:\n${stderr.split('\n').slice(-12).join('\n')}`);
    assert.match(stderr, /Completed: 4 of 5 item\(s\) succeeded/);
    assert.match(stderr, /Completed: 5 of 5 item\(s\) succeeded/);
    const parent = /^PARENT=(\S+)$/m.exec(stdout)?.[1] ?? '';
    const out = join(scratch, 'rerun', 'named-outputs', 'score');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      rerunOf: { job: string; failedOnly: boolean; reusedMiniBatches: number; inputsHashed?: number };
    };
    // inputsHashed: the files were written just before the first job, too recently to vouch for by
    // fingerprint, so the rerun hashes them (docs/decisions.md); only that it is a count matters here.
    const { inputsHashed, ...rerunOf } = manifest.rerunOf;
    assert.deepEqual(rerunOf, { job: parent, failedOnly: true, reusedMiniBatches: 2 });
    assert.equal(typeof inputsHashed, 'number');
    // A full rerun scores every file again: the same output.
    const full = await runCli(['job', 'rerun', '-n', parent, '--query', 'name', '-o', 'tsv'], {
      server: server.url,
    });
    assert.equal(full.code, 0, full.stderr);
    const ns = await Nightshift.connect(server.url);
    const ended = await ns.waitForJob(full.stdout.trim(), 60_000);
    assert.equal(ended.properties.status, 'Completed');
    const lines = readFileSync(join(out, 'predictions.csv'), 'utf8').trimEnd().split('\n');
    assert.deepEqual(lines, await ns.outputLines(ended));
  });
});
