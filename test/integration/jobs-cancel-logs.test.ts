/**
 * Cancelling jobs and reading their logs, against a real server over REST. Cancel: `POST
 * {ws}/jobs/{name}/cancel` answers 202, a job with a slow script ends Canceled with the mini-batches it
 * finished kept in its output, and cancelling an ended job is a 400. Logs: `GET {ws}/jobs/{name}/logs`
 * lists Azure's layout (job_result.txt, sys/job_report/processed_mini-batches.csv,
 * user/stdout/node-0/process0.stdout.txt, ...), one log is readable as text, and the script's
 * console.log lands in its stdout log.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';
import {
  folderBody,
  Nightshift,
  smallFiles,
  TERMINAL,
  type ErrorBody,
  type JobView,
} from '../helpers/jobs.ts';

const SLOW_SCRIPT = {
  file: 'slow.mjs',
  source: `import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
export async function run(miniBatch) {
  await sleep(250);
  return miniBatch.map((file) => basename(file));
}
`,
};

describe('cancel and logs', () => {
  let server: TestServer;
  let ns: Nightshift;
  const input = 'inputs/logs';

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
    await ns.uploadFiles(input, smallFiles(4));
  });

  after(async () => {
    await server.stop();
  });

  test('cancel: 202, the job ends Canceled, finished mini-batches are kept', async () => {
    const folder = 'inputs/slow';
    const files = smallFiles(40, 's');
    await ns.uploadFiles(folder, files);
    const { scoringUri } = await ns.deploy({ script: SLOW_SCRIPT, settings: { miniBatchSize: 1 } });
    const started = await ns.start(scoringUri, folderBody(folder));
    const running = await ns.waitUntil(started.name, (j) => j.properties.progress.miniBatches.succeeded >= 2);
    assert.ok(!TERMINAL.includes(running.properties.status), running.properties.status);

    const reply = await ns.request<JobView>('POST', `${ns.ws}/jobs/${started.name}/cancel`);
    assert.equal(reply.status, 202, reply.text);
    const job = await ns.waitForJob(started.name, 10_000);
    assert.equal(job.properties.status, 'Canceled', job.properties.result ?? '');
    const done = job.properties.progress.miniBatches.succeeded;
    assert.ok(done >= 2 && done < 40, `succeeded ${done} of 40`);

    const lines = await ns.outputLines(job);
    assert.equal(lines.length, done, 'every finished mini-batch is in the output');
    assert.equal(new Set(lines).size, lines.length, 'no duplicates');
    for (const line of lines) assert.ok(line in files, `unexpected line ${line}`);

    const again = await ns.request<ErrorBody>('POST', `${ns.ws}/jobs/${started.name}/cancel`);
    assert.equal(again.status, 400, again.text);
    assert.match(again.body.error.message, /already ended/);
  });

  test('cancelling a completed job is a 400', async () => {
    const { scoringUri } = await ns.deploy({ script: 'strings.ts' });
    const job = await ns.run(scoringUri, folderBody(input));
    assert.equal(job.properties.status, 'Completed');
    const reply = await ns.request<ErrorBody>('POST', `${ns.ws}/jobs/${job.name}/cancel`);
    assert.equal(reply.status, 400, reply.text);
    assert.equal((await ns.job(job.name)).properties.status, 'Completed');
  });

  test("logs: Azure's layout, each log readable, console.log in the stdout log", async () => {
    const { scoringUri } = await ns.deploy({ script: 'strings.ts', settings: { miniBatchSize: 2 } });
    const job = await ns.run(scoringUri, folderBody(input));
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    const paths = await ns.logs(job.name);
    for (const expected of [
      'job_result.txt',
      'readme.txt',
      'sys/job_report/processed_mini-batches.csv',
      'user/stdout/node-0/process0.stdout.txt',
      'sys/node/node-0/process0.txt',
    ]) {
      assert.ok(paths.includes(expected), `${expected} missing from ${paths.join(', ')}`);
    }
    assert.ok(
      paths.some((p) => /^job_progress_overview\.\d{8}\.txt$/.test(p)),
      paths.join(', '),
    );
    assert.match(await ns.log(job.name, 'job_result.txt'), /^Completed/);

    const stdout = await ns.log(job.name, 'user/stdout/node-0/process0.stdout.txt');
    assert.match(stdout, /strings: init/);
    assert.match(stdout, /strings: run 1 with 2 files/);

    const report = (await ns.log(job.name, 'sys/job_report/processed_mini-batches.csv'))
      .trimEnd()
      .split('\n');
    assert.match(report[0] ?? '', /^index,id,state,attempts/);
    assert.equal(report.length, 1 + 2, 'one row per mini-batch');
    assert.ok(
      report.slice(1).every((row) => row.includes(',succeeded,')),
      report.join('\n'),
    );

    const missing = await ns.request('GET', `${ns.ws}/jobs/${job.name}/logs/user/nothing-here.txt`);
    assert.equal(missing.status, 404);
    const escape = await ns.request('GET', `${ns.ws}/jobs/${job.name}/logs/..%2F..%2Fmetadata.db`);
    assert.ok(
      escape.status === 400 || escape.status === 404,
      `${escape.status}: ${escape.text.slice(0, 200)}`,
    );
  });
});
