/**
 * (e) A two-hour Run-BatchEndpoint on the virtual clock: the service-principal template as shipped, with
 * WebActivity answered in-process by a stand-in batch service whose job runs for two virtual hours, so
 * the run polls every 120 s as it would against Azure. Prints the virtual duration, the wall time and
 * their ratio: what the virtual clock buys a test of a long polling pipeline.
 */
import { createExpressionEngine } from '../src/pipelines/expressions/engine.ts';
import { createControlFlowRegistry } from '../src/pipelines/runner/control-flow-handlers.ts';
import { RunRecorder } from '../src/pipelines/runner/events.ts';
import { sequentialIds } from '../src/pipelines/runner/ids.ts';
import { PipelineRunner } from '../src/pipelines/runner/pipeline-runner.ts';
import { buildTemplate } from '../src/pipelines/templates/catalog.ts';
import { VirtualClock } from '../src/pipelines/time/virtual-clock.ts';

const JOB_MS = 2 * 60 * 60 * 1000;

export async function virtualPipelineBench(): Promise<void> {
  console.log('\n(e) Run-BatchEndpoint (SP) polling a 2-hour job every 120 s, on the virtual clock');
  const clock = new VirtualClock();
  const started = clock.now().getTime();
  const handlers = createControlFlowRegistry().register('WebActivity', {
    run(ctx) {
      const url = String(ctx.typeProperties.url);
      if (url.endsWith('/oauth2/token'))
        return Promise.resolve({ access_token: 'token', expires_in: '3599' });
      if (ctx.typeProperties.method === 'POST')
        return Promise.resolve({ name: 'job-1', properties: { status: 'Queued' } });
      const done = clock.now().getTime() - started >= JOB_MS;
      return Promise.resolve({ name: 'job-1', properties: { status: done ? 'Completed' : 'Running' } });
    },
  });
  const recorder = new RunRecorder();
  const runner = new PipelineRunner({
    expressions: createExpressionEngine(),
    clock,
    ids: sequentialIds(),
    handlers,
    events: recorder,
    pipelines: { find: () => Promise.resolve(undefined) },
  });
  const definition = buildTemplate('Run-BatchEndpoint-SP', { serverUrl: 'http://nightshift.invalid' });
  const wallStart = performance.now();
  const run = await runner.run(definition, {
    parameters: {
      endpoint_uri: 'http://nightshift.invalid/endpoints/e/jobs',
      endpoint_input_uri: 'azureml://datastores/workspaceblobstore/paths/in',
      endpoint_output_uri: 'azureml://datastores/workspaceblobstore/paths/out/p.csv',
      client_id: 'app',
      client_secret: 'secret',
    },
  });
  const wallMs = performance.now() - wallStart;
  const virtualMs = clock.now().getTime() - started;
  const checks = recorder.runsOfActivity('Check status').length;
  console.log(`  run ${run.status}, ${checks} status checks, ${recorder.activityRuns.length} activity runs`);
  console.log(`  virtual time ${(virtualMs / 60_000).toFixed(0)} min, wall time ${wallMs.toFixed(0)} ms`);
  console.log(`  virtual / wall = ${(virtualMs / wallMs).toFixed(0)}×`);
}
