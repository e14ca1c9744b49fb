import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParameterError } from './parameters.ts';
import { createHarness, expr, pipeline, probe } from '../../../test/support/pipelines/runner-harness.ts';

test('a run record has the service shape and the run reports start and finish', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('Hello', [probe('Only', { sleepSeconds: 2 })], {
      parameters: { n: { type: 'Int', defaultValue: 120 } },
    }),
  );
  assert.deepEqual(run, {
    runId: '00000000-0000-4000-8000-000000000001',
    runGroupId: '00000000-0000-4000-8000-000000000001',
    isLatest: true,
    pipelineName: 'Hello',
    parameters: { n: '120' },
    invokedBy: { name: 'Manual', id: '00000000-0000-4000-8000-000000000002', invokedByType: 'Manual' },
    runStart: '2024-01-01T00:00:00.0000000Z',
    runEnd: '2024-01-01T00:00:02.0000000Z',
    durationInMs: 2000,
    lastUpdated: '2024-01-01T00:00:02.0000000Z',
    status: 'Succeeded',
    message: '',
  });
  assert.deepEqual(
    h.recorder.events.map((e) => e.kind),
    ['pipelineRunStarted', 'activityRunStarted', 'activityRunFinished', 'pipelineRunFinished'],
  );
  const activity = h.recorder.activityRuns[0];
  assert.deepEqual(activity, {
    activityRunId: '00000000-0000-4000-8000-000000000003',
    activityName: 'Only',
    activityType: 'Probe',
    pipelineName: 'Hello',
    pipelineRunId: run.runId,
    status: 'Succeeded',
    activityRunStart: '2024-01-01T00:00:00.0000000Z',
    activityRunEnd: '2024-01-01T00:00:02.0000000Z',
    durationInMs: 2000,
    input: { sleepSeconds: 2 },
    output: { attempt: 1 },
    error: null,
    retryAttempt: null,
    userProperties: {},
    parentActivityRunId: null,
    iteration: null,
  });
});

test('pipeline() system values and userProperties are available to expressions', async () => {
  const h = createHarness();
  const run = await h.runner.run(
    pipeline('Sys', [
      probe(
        'Show',
        {
          output: expr(
            '@createArray(pipeline().Pipeline, pipeline().RunId, pipeline().TriggerType, pipeline().TriggerTime, pipeline().DataFactory, pipeline()?.TriggeredByPipelineName)',
          ),
        },
        { userProperties: [{ name: 'run', value: '@pipeline().RunId' }] },
      ),
    ]),
    { runId: 'run-42' },
  );
  const record = h.runsOf('Show')[0];
  assert.deepEqual(record?.output, [
    'Sys',
    'run-42',
    'Manual',
    '2024-01-01T00:00:00.0000000Z',
    'nightshift',
    null,
  ]);
  assert.deepEqual(record.userProperties, { run: 'run-42' });
  assert.equal(run.runId, 'run-42');
});

test('parameters given as text are converted; bad parameters refuse the run before it exists', async () => {
  const h = createHarness();
  const definition = pipeline(
    'Typed',
    [probe('Echo', { output: expr('@add(pipeline().parameters.n, 1)') })],
    {
      parameters: { n: { type: 'int' } },
    },
  );
  await h.runner.run(definition, { parameters: { n: '41' }, parametersAreText: true });
  assert.equal(h.runsOf('Echo')[0]?.output, 42);
  assert.throws(() => h.runner.start(definition), ParameterError);
  assert.throws(
    () => h.runner.start(definition, { parameters: { n: 'x' }, parametersAreText: true }),
    ParameterError,
  );
  assert.equal(h.recorder.pipelineRuns.size, 1, 'refused runs are never recorded');
});

test('an aborted request signal cancels the run', async () => {
  const h = createHarness();
  const controller = new AbortController();
  const done = h.runner.run(
    pipeline('p', [{ name: 'W', type: 'Wait', typeProperties: { waitTimeInSeconds: 60 } }]),
    {
      signal: controller.signal,
    },
  );
  controller.abort();
  const run = await done;
  assert.equal(run.status, 'Cancelled');
  assert.equal(h.statusOf('W'), 'Cancelled');
});
