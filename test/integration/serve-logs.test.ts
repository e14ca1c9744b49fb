/**
 * What `nightshift serve` writes on stderr at the default level: one line an event, JSON for log
 * shippers or pretty for a terminal (`--log-format`), with the job's lifecycle (invoked, started, ended
 * with counts) and without the HTTP layer repeating the ready line that stdout already printed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli, startServeProcess } from '../helpers/cli.ts';
import { folderBody, Nightshift } from '../helpers/jobs.ts';

const scratch = mkdtempSync(join(tmpdir(), 'nightshift-serve-logs-'));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs one small job on a served process and returns what the server wrote on stderr. */
async function stderrOfOneJob(format: string): Promise<{ stderr: string; job: string }> {
  const dataDir = join(scratch, format);
  const serve = startServeProcess(dataDir, ['--log-format', format]);
  try {
    const url = await serve.ready;
    const ns = await Nightshift.connect(url);
    const { scoringUri } = await ns.deploy({ script: 'strings.ts' });
    await ns.uploadFiles('inputs/logs', { 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const job = await ns.run(scoringUri, folderBody('inputs/logs'));
    assert.equal(job.properties.status, 'Completed');
    serve.child.kill('SIGTERM');
    return { stderr: (await serve.exited).stderr, job: job.name };
  } finally {
    if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
  }
}

void describe('serve logs', () => {
  test('json: one object a line, the job lifecycle at info, no second ready line', async () => {
    const { stderr, job } = await stderrOfOneJob('json');
    const entries = stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; job?: string; level: number });
    const events = entries.filter((e) => e.job === job).map((e) => e.msg.split(':')[0]);
    assert.deepEqual(events, ['job invoked', 'job started', 'job ended']);
    assert.ok(!entries.some((e) => /Server listening/.test(e.msg)), stderr);
  });

  test('pretty: the same events, each on one line with its fields', async () => {
    const { stderr, job } = await stderrOfOneJob('pretty');
    const lines = stderr.split('\n').filter((line) => line.includes(job));
    assert.equal(lines.length, 3, stderr);
    for (const [i, event] of ['job invoked', 'job started', 'job ended'].entries()) {
      assert.match(lines[i] ?? '', new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\] INFO: ${event}.*"job":"${job}"`));
    }
  });

  test('an unknown format is refused, naming the ones there are', async () => {
    const run = await runCli([
      'serve',
      '--port',
      '0',
      '--data-dir',
      join(scratch, 'x'),
      '--log-format',
      'xml',
    ]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--log-format 'xml': use json or pretty/);
  });
});
