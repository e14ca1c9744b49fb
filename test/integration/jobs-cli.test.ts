/**
 * Batch jobs through the `nightshift` CLI, as the README's tour drives them: the examples' model,
 * endpoint and deployment, `batch-endpoint invoke` with a local folder, `job stream`, `job show -o table`
 * (a failed job's row carries its first error), and `job download`, which reads the output through the
 * job outputs route (`GET {ws}/jobs/{job}/outputs/{output}` and `.../paths/{path}`).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BREAST_CANCER_SETUP, jsonOf, runCli, type CliResult } from '../helpers/cli.ts';
import { folderBody, Nightshift } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let scratch: string;
let job = '';

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, { server: server.url });
}

before(async () => {
  server = await startServer();
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-jobs-cli-'));
  for (const args of BREAST_CANCER_SETUP) {
    const result = await cli(...args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  }
});

after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

void describe('jobs through the CLI', () => {
  void it('invokes with a local folder and streams the job to its end', async () => {
    const invoked = await cli(
      'batch-endpoint',
      'invoke',
      '-n',
      'breast-cancer',
      '--input',
      'fixtures/data/breast-cancer',
      '--query',
      'name',
      '-o',
      'tsv',
    );
    assert.equal(invoked.code, 0, invoked.stderr);
    job = invoked.stdout.trim();
    const streamed = await cli('job', 'stream', '-n', job);
    assert.equal(streamed.code, 0, streamed.stderr);
    assert.match(streamed.stderr, new RegExp(`Job ${job} Completed`));
  });

  void it('shows a job as a table, with an empty error column when it succeeded', async () => {
    const table = await cli('job', 'show', '-n', job, '-o', 'table');
    assert.equal(table.code, 0, table.stderr);
    const [header = '', , row = ''] = table.stdout.split('\n');
    assert.match(
      header,
      /^Name\s+Status\s+Endpoint\s+Deployment\s+Items\s+Failed\s+Worker seconds\s+Created on\s+Error$/,
    );
    assert.match(
      row,
      new RegExp(`^${job}\\s+Completed\\s+breast-cancer\\s+\\S+\\s+\\d+\\s+0\\s+[\\d.]+\\s+\\S+$`),
    );
  });

  void it("shows a failed job's first error in its table row", async () => {
    const ns = await Nightshift.connect(server.url);
    const { scoringUri } = await ns.deploy({ script: 'init-throws.ts', settings: { maxRetries: 0 } });
    const input = await ns.uploadFiles('jobs-cli/failing', { 'a.txt': 'a\n' });
    const failed = await ns.run(scoringUri, folderBody(input.replace(/^.*\/paths\//, '')));
    assert.equal(failed.properties.status, 'Failed');
    const table = await cli('job', 'show', '-n', failed.name, '-o', 'table');
    assert.equal(table.code, 0, table.stderr);
    const row = table.stdout.split('\n')[2] ?? '';
    assert.match(
      row,
      new RegExp(`^${failed.name}\\s+Failed\\s.*\\s${failed.properties.error?.code ?? '?'}: `),
    );
    assert.match(row, /model file not found/);
  });

  void it('downloads the output and the logs through the job outputs route', async () => {
    const target = join(scratch, 'out');
    const result = jsonOf(
      await cli('job', 'download', '-n', job, '--output-name', 'score', '--download-path', target, '--all'),
    ) as { downloaded: string[] };
    const predictions = join(target, 'named-outputs', 'score', 'predictions.csv');
    assert.ok(result.downloaded.includes(predictions), result.downloaded.join('\n'));
    assert.match(readFileSync(predictions, 'utf8'), /^0,[01],part-0\.csv$/m);
    assert.ok(existsSync(join(target, 'logs')));
  });
});
