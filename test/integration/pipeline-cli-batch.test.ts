/**
 * The README's pipeline example as a new user runs it: the hardened Run-BatchEndpoint template imported and
 * run with `nightshift pipeline run --wait` against a real batch endpoint. The CLI names the batch job the
 * run started as soon as the invoke has answered, and when the job fails, the run's failure message carries
 * the job's first error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { managedIdentityTokens } from '../helpers/auth.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { Nightshift, datastoreUri, smallFiles, uniqueName } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('the hardened Run-BatchEndpoint through the CLI', () => {
  let server: TestServer;
  let owner: Nightshift;
  const endpoints = { ok: '', failing: '' };

  const cli = (...args: string[]): Promise<CliResult> => runCli(args, { server: server.url });

  function runArgs(endpoint: string, input: string): string[] {
    return [
      'pipeline',
      'run',
      'Run-BatchEndpoint',
      '--wait',
      '--param',
      'poll_interval=1',
      '--param',
      `endpoint_uri=${server.url}/endpoints/${endpoint}/jobs`,
      '--param',
      `endpoint_input_uri=${datastoreUri(input)}`,
      '--param',
      `endpoint_output_uri=${datastoreUri(`outputs/${uniqueName('out')}/predictions.csv`)}`,
    ];
  }

  /** The job the CLI said the run started: named once, with the command that follows it. */
  function namedJob(stderr: string): string {
    const lines = [
      ...stderr.matchAll(/Batch job (\S+) started; follow it with 'nightshift job stream -n \1'/g),
    ];
    assert.equal(lines.length, 1, stderr);
    return lines[0]?.[1] ?? '';
  }

  before(async () => {
    server = await startServer();
    owner = await Nightshift.connect(server.url);
    endpoints.ok = (await owner.deploy({ script: 'strings.ts' })).endpoint;
    endpoints.failing = (
      await owner.deploy({ script: 'throws-on-bad.ts', settings: { maxRetries: 0, errorThreshold: 0 } })
    ).endpoint;
    await owner.uploadFiles('inputs/good', smallFiles(2));
    await owner.uploadFiles('inputs/bad', { 'bad.txt': 'x', 'ok.txt': 'y' });
    // The server's own identity, which the template's `authentication: MSI` uses, exists once IMDS is asked.
    await managedIdentityTokens(server.url).token('https://ml.azure.com');
    for (const endpoint of Object.values(endpoints)) {
      const reply = await server.call('POST', '/nightshift/roleAssignments', {
        assignee: 'system',
        role: 'Batch Endpoint Invoker',
        scope: `${server.ws}/batchEndpoints/${endpoint}`,
      });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
    }
    // The job reads its input and writes its output with the identity that invoked it.
    const storage = await server.call('POST', '/nightshift/roleAssignments', {
      assignee: 'system',
      role: 'Storage Blob Data Contributor',
      scope: `${server.ws}/datastores/workspaceblobstore`,
    });
    assert.equal(storage.status, 201, JSON.stringify(storage.body));
    const imported = await cli('pipeline', 'import', '--template', 'Run-BatchEndpoint-Hardened-MI');
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /^Run-BatchEndpoint\s+4\s+endpoint_uri, poll_interval/m);
  });

  after(async () => {
    await server.stop();
  });

  it('run --wait names the batch job it started, right after the invoke', async () => {
    const result = await cli(...runArgs(endpoints.ok, 'inputs/good'));
    assert.equal(result.code, 0, result.stderr);
    const job = namedJob(result.stderr);
    assert.equal((await owner.job(job)).properties.status, 'Completed');
    const invokeEnd = result.stderr.indexOf('Run Batch-Endpoint  WebActivity  Succeeded');
    const named = result.stderr.indexOf(`Batch job ${job} started`);
    const firstPoll = result.stderr.indexOf('Check status');
    assert.ok(invokeEnd >= 0 && invokeEnd < named && named < firstPoll, result.stderr);
    const run = JSON.parse(result.stdout) as { pipelineReturnValue?: Record<string, unknown> };
    assert.equal(run.pipelineReturnValue?.['jobName'], job);
  });

  it("a failed job fails the run with the job's first error in the message", async () => {
    const result = await cli(...runArgs(endpoints.failing, 'inputs/bad'));
    assert.equal(result.code, 1, result.stderr);
    const job = namedJob(result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `^ERROR: Run \\S+ of pipeline Run-BatchEndpoint Failed.*Batch job ${job} ended as Failed: .*cannot score bad\\.txt`,
        'm',
      ),
    );
  });
});
