/**
 * Run-BatchEndpoint end to end, as a Data Factory user runs it against Azure: the real server, a service
 * principal and the server's managed identity granted only the Batch Endpoint Invoker role on one
 * endpoint (and Storage Blob Data Contributor on workspaceblobstore, which the job reads and writes with
 * their identity), the templates imported over REST, runs created with parameters, and every HTTP call real
 * (token endpoint, IMDS, scoring URI, job polling). Then the failure matrix of spec §5.7: the job fails,
 * the job is canceled, the secret is wrong, the endpoint has no default deployment.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTemplate } from '../../src/pipelines/templates/catalog.ts';
import { managedIdentityTokens } from '../helpers/auth.ts';
import { Nightshift, datastoreUri, smallFiles, uniqueName } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { factoryPath, waitForRun } from '../helpers/factory.ts';
import { waitFor } from '../helpers/wait.ts';

interface Run {
  runId: string;
  status: string;
  message: string;
  pipelineReturnValue?: Record<string, unknown>;
}
interface ActivityRun {
  activityName: string;
  status: string;
  input: unknown;
  output: unknown;
  error: { errorCode: string; message: string } | null;
  iteration: number | null;
}

describe('Run-BatchEndpoint against the real service', () => {
  let server: TestServer;
  let owner: Nightshift;
  let factory: string;
  let sp: { appId: string; password: string };
  const endpoints: Record<'ok' | 'failing' | 'hanging' | 'noDefault', string> = {
    ok: '',
    failing: '',
    hanging: '',
    noDefault: '',
  };

  async function importTemplate(template: string, pipelineName: string): Promise<void> {
    const definition = buildTemplate(template, { serverUrl: server.url, pipelineName });
    const reply = await server.call('PUT', `${factory}/pipelines/${pipelineName}`, {
      properties: definition.properties,
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
  }

  async function runPipeline(
    pipeline: string,
    parameters: Record<string, unknown>,
    whileRunning?: (runId: string) => Promise<void>,
  ): Promise<{ run: Run; activities: ActivityRun[] }> {
    const created = await server.call('POST', `${factory}/pipelines/${pipeline}/createRun`, parameters);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const { runId } = created.body as { runId: string };
    if (whileRunning) await whileRunning(runId);
    const run = await waitForRun<Run>(server, runId);
    const activities = await server.call('POST', `${factory}/pipelineruns/${runId}/queryActivityruns`, {});
    return { run, activities: (activities.body as { value: ActivityRun[] }).value };
  }

  const params = (endpoint: string, input: string, extra: Record<string, unknown> = {}) => ({
    endpoint_uri: `${server.url}/endpoints/${endpoint}/jobs`,
    endpoint_input_uri: datastoreUri(input),
    endpoint_output_uri: datastoreUri(`outputs/${uniqueName('out')}/predictions.csv`),
    poll_interval: 1,
    ...extra,
  });
  const spParams = (endpoint: string, input: string, secret = sp.password) =>
    params(endpoint, input, { client_id: sp.appId, client_secret: secret });

  before(async () => {
    server = await startServer();
    owner = await Nightshift.connect(server.url);
    factory = factoryPath(server.ws);
    endpoints.ok = (await owner.deploy({ script: 'strings.ts' })).endpoint;
    endpoints.failing = (
      await owner.deploy({ script: 'throws-on-bad.ts', settings: { maxRetries: 0, errorThreshold: 0 } })
    ).endpoint;
    endpoints.hanging = (
      await owner.deploy({ script: 'hangs.ts', settings: { timeout: 'PT120S' } })
    ).endpoint;
    endpoints.noDefault = uniqueName('ep');
    await owner.createEndpoint(endpoints.noDefault);
    await owner.uploadFiles('inputs/good', smallFiles(3));
    await owner.uploadFiles('inputs/bad', { 'bad.txt': 'x', 'ok.txt': 'y' });
    await owner.uploadFiles('inputs/hang', { 'hang.txt': 'x' });
    sp = (await server.call('POST', '/nightshift/servicePrincipals', { displayName: 'adf' }))
      .body as typeof sp;
    // The server's own identity, which `authentication: MSI` uses, exists once IMDS has been asked.
    await managedIdentityTokens(server.url).token('https://ml.azure.com');
    for (const endpoint of Object.values(endpoints)) {
      for (const assignee of [sp.appId, 'system']) {
        const scope = `${server.ws}/batchEndpoints/${endpoint}`;
        const reply = await server.call('POST', '/nightshift/roleAssignments', {
          assignee,
          role: 'Batch Endpoint Invoker',
          scope,
        });
        assert.equal(reply.status, 201, JSON.stringify(reply.body));
      }
    }
    // The job reads its input and writes its output with the invoker's identity, as in Azure.
    for (const assignee of [sp.appId, 'system']) {
      const reply = await server.call('POST', '/nightshift/roleAssignments', {
        assignee,
        role: 'Storage Blob Data Contributor',
        scope: `${server.ws}/datastores/workspaceblobstore`,
      });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
    }
    await importTemplate('Run-BatchEndpoint-MI', 'Run-BatchEndpoint-MI');
    await importTemplate('Run-BatchEndpoint-SP', 'Run-BatchEndpoint');
    await importTemplate('Run-BatchEndpoint-Hardened-SP', 'Run-BatchEndpoint-Hardened');
  });

  after(async () => {
    await server.stop();
  });

  it('the managed-identity template scores a folder: job Completed, run Succeeded', async () => {
    const { run, activities } = await runPipeline(
      'Run-BatchEndpoint-MI',
      params(endpoints.ok, 'inputs/good'),
    );
    assert.equal(run.status, 'Succeeded', run.message);
    const invoke = activities.find((a) => a.activityName === 'Run Batch-Endpoint');
    const job = (invoke?.output as { name: string }).name;
    assert.equal((await owner.job(job)).properties.status, 'Completed');
    const checks = activities.filter((a) => a.activityName === 'Check status');
    assert.equal(
      (checks.at(-1)?.output as { properties: { status: string } }).properties.status,
      'Completed',
    );
    assert.ok(checks.every((c) => c.iteration !== null));
  });

  it('the service-principal template authorizes, invokes and polls; no token or secret is recorded', async () => {
    const { run, activities } = await runPipeline('Run-BatchEndpoint', spParams(endpoints.ok, 'inputs/good'));
    assert.equal(run.status, 'Succeeded', run.message);
    assert.deepEqual(
      [...new Set(activities.map((a) => a.activityName))],
      ['Authorize', 'Run Batch-Endpoint', 'Wait for job', 'Check status', 'Wait'],
    );
    const job = (activities.find((a) => a.activityName === 'Run Batch-Endpoint')?.output as { name: string })
      .name;
    const created = await owner.job(job);
    assert.equal(created.systemData.createdBy, sp.appId);
    assert.equal(created.properties.status, 'Completed');
    const stored = JSON.stringify(activities);
    assert.ok(!stored.includes(sp.password), 'the client secret is in a stored record');
    assert.ok(!/eyJ[\w-]+\.eyJ/.test(stored), 'a token is in a stored record');
  });

  it('a failed job leaves the documented pipeline Succeeded, and fails the hardened one', async () => {
    const documented = await runPipeline('Run-BatchEndpoint', spParams(endpoints.failing, 'inputs/bad'));
    assert.equal(documented.run.status, 'Succeeded');
    const last = documented.activities.filter((a) => a.activityName === 'Check status').at(-1);
    assert.equal((last?.output as { properties: { status: string } }).properties.status, 'Failed');
    const hardened = await runPipeline(
      'Run-BatchEndpoint-Hardened',
      spParams(endpoints.failing, 'inputs/bad'),
    );
    assert.equal(hardened.run.status, 'Failed');
    // The job's first error, as the job view has it in properties.error.
    assert.match(hardened.run.message, /Batch job \S+ ended as Failed: .*cannot score bad\.txt/);
  });

  it('a canceled job stops the hardened pipeline, which fails', async () => {
    const { run } = await runPipeline(
      'Run-BatchEndpoint-Hardened',
      spParams(endpoints.hanging, 'inputs/hang'),
      async (runId) => {
        // Cancel the job as soon as the pipeline has started it.
        const invoked = await waitFor(
          'the pipeline to invoke the endpoint (Run Batch-Endpoint Succeeded)',
          async () =>
            (
              (await server.call('POST', `${factory}/pipelineruns/${runId}/queryActivityruns`, {})).body as {
                value: ActivityRun[];
              }
            ).value,
          {
            until: (acts) => jobNameOf(acts) !== undefined,
            show: (acts) => JSON.stringify(acts).slice(0, 500),
          },
        );
        const cancel = await server.call('POST', `${server.ws}/jobs/${jobNameOf(invoked) ?? ''}/cancel`);
        assert.equal(cancel.status, 202);
      },
    );
    assert.equal(run.status, 'Failed');
    assert.match(run.message, /Canceled/);
  });

  it('a wrong secret fails Authorize, skips the rest and fails the run', async () => {
    const { run, activities } = await runPipeline(
      'Run-BatchEndpoint',
      spParams(endpoints.ok, 'inputs/good', 'not-the-secret'),
    );
    assert.equal(run.status, 'Failed');
    const authorize = activities.find((a) => a.activityName === 'Authorize');
    assert.equal(authorize?.status, 'Failed');
    assert.equal(authorize.error?.errorCode, '2108');
    assert.match(run.message, /Operation on target Authorize failed/);
    assert.equal(activities.find((a) => a.activityName === 'Run Batch-Endpoint')?.status, 'Skipped');
    assert.ok(!JSON.stringify(activities).includes('not-the-secret'));
  });

  it('an endpoint without a default deployment fails Run Batch-Endpoint with the service message', async () => {
    const { run, activities } = await runPipeline(
      'Run-BatchEndpoint-MI',
      params(endpoints.noDefault, 'inputs/good'),
    );
    assert.equal(run.status, 'Failed');
    const invoke = activities.find((a) => a.activityName === 'Run Batch-Endpoint');
    assert.equal(invoke?.error?.errorCode, '2108');
    assert.match(invoke.error.message, /No valid deployments to route to/);
    assert.equal(activities.find((a) => a.activityName === 'Wait for job')?.status, 'Skipped');
  });
});

/** The batch job a pipeline's `Run Batch-Endpoint` activity started, once it has succeeded. */
function jobNameOf(activities: readonly ActivityRun[]): string | undefined {
  const invoke = activities.find((a) => a.activityName === 'Run Batch-Endpoint' && a.status === 'Succeeded');
  return (invoke?.output as { name?: string } | undefined)?.name;
}
