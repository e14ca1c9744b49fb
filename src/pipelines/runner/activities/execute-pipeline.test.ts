import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActivityDefinition, PipelineDefinition } from '../../definition/model.ts';
import {
  after,
  createHarness,
  expr,
  pipeline,
  probe,
} from '../../../../test/support/pipelines/runner-harness.ts';

const child: PipelineDefinition = pipeline(
  'Child',
  [
    { name: 'Child wait', type: 'Wait', typeProperties: { waitTimeInSeconds: 600 } },
    {
      name: 'Return',
      type: 'SetVariable',
      dependsOn: after('Child wait', 'Succeeded'),
      typeProperties: {
        variableName: 'pipelineReturnValue',
        setSystemVariable: true,
        value: [
          {
            key: 'greeting',
            value: {
              type: 'Expression',
              content: "@concat(pipeline().parameters.who, '/', pipeline().parameters.mode)",
            },
          },
          { key: 'parent', value: { type: 'Expression', content: '@pipeline()?.TriggeredByPipelineName' } },
          {
            key: 'parentRun',
            value: { type: 'Expression', content: '@pipeline()?.TriggeredByPipelineRunId' },
          },
        ],
      },
    },
  ],
  { parameters: { who: { type: 'String' }, mode: { type: 'String', defaultValue: 'default' } } },
);

const failingChild = pipeline('Broken', [probe('Boom', { fail: true })]);

function execute(
  name: string,
  pipelineName: string,
  extra: Record<string, unknown> = {},
): ActivityDefinition {
  return {
    name,
    type: 'ExecutePipeline',
    typeProperties: { pipeline: { referenceName: pipelineName, type: 'PipelineReference' }, ...extra },
  };
}

test('waitOnCompletion runs the child with parent-evaluated parameters and passes its return value', async () => {
  const h = createHarness({ pipelines: [child] });
  const parent = pipeline(
    'Parent',
    [
      execute('Run child', 'child', {
        waitOnCompletion: true,
        parameters: { who: expr('@pipeline().parameters.name') },
      }),
      probe(
        'Read',
        { output: expr("@activity('Run child').output.pipelineReturnValue.greeting") },
        {
          dependsOn: after('Run child', 'Succeeded'),
        },
      ),
    ],
    { parameters: { name: { type: 'String', defaultValue: 'ada' } } },
  );
  const run = await h.runner.run(parent);
  assert.equal(run.status, 'Succeeded');
  assert.equal(run.durationInMs, 600_000);
  const exec = h.runsOf('Run child')[0];
  const childRun = [...h.recorder.pipelineRuns.values()].find((r) => r.pipelineName === 'Child');
  assert.ok(childRun);
  assert.deepEqual(exec?.output, {
    pipelineName: 'Child',
    pipelineRunId: childRun.runId,
    pipelineReturnValue: { greeting: 'ada/default', parent: 'Parent', parentRun: run.runId },
  });
  assert.equal(h.runsOf('Read')[0]?.output, 'ada/default');
  assert.deepEqual(childRun.invokedBy, {
    name: 'Run child',
    id: exec.activityRunId,
    invokedByType: 'PipelineActivity',
    pipelineName: 'Parent',
    pipelineRunId: run.runId,
  });
  assert.deepEqual(childRun.parameters, { who: 'ada', mode: 'default' });
  assert.equal(h.recorder.activityRunsOf(childRun.runId).length, 2);
});

test('without waitOnCompletion the activity succeeds at once and the child runs on', async () => {
  const h = createHarness({ pipelines: [child] });
  const run = await h.runner.run(
    pipeline('Parent', [execute('Fire', 'Child', { parameters: { who: 'bob' } })]),
  );
  assert.equal(run.status, 'Succeeded');
  assert.equal(run.durationInMs, 0);
  assert.equal(Object.keys(h.runsOf('Fire')[0]?.output as object).join(), 'pipelineName,pipelineRunId');
  await h.runner.whenIdle();
  const childRun = [...h.recorder.pipelineRuns.values()].find((r) => r.pipelineName === 'Child');
  assert.equal(childRun?.status, 'Succeeded');
  assert.equal(childRun.durationInMs, 600_000);
});

test('a failed child fails the activity with the child run message', async () => {
  const h = createHarness({ pipelines: [failingChild] });
  const run = await h.runner.run(
    pipeline('Parent', [execute('Run broken', 'Broken', { waitOnCompletion: true })]),
  );
  assert.equal(run.status, 'Failed');
  const error = h.runsOf('Run broken')[0]?.error;
  assert.equal(error?.errorCode, 'PipelineRunFailed');
  assert.equal(error.message, 'Operation on target Boom failed: probe Boom failed on attempt 1');
  assert.equal(
    run.message,
    'Operation on target Run broken failed: Operation on target Boom failed: probe Boom failed on attempt 1',
  );
});

test('a missing child pipeline or required parameter fails the activity', async () => {
  const h = createHarness({ pipelines: [child] });
  await h.runner.run(
    pipeline('Parent', [
      execute('Ghost', 'Nowhere', { waitOnCompletion: true }),
      execute('No who', 'Child', { waitOnCompletion: true }),
    ]),
  );
  assert.equal(h.runsOf('Ghost')[0]?.error?.errorCode, 'PipelineNotFound');
  assert.equal(
    h.runsOf('No who')[0]?.error?.message,
    "No value was provided for the required parameter 'who'.",
  );
});

test('cancelling the parent cancels a child it waits on', async () => {
  const h = createHarness({ pipelines: [child] });
  const handle = h.runner.start(
    pipeline('Parent', [execute('Run child', 'Child', { waitOnCompletion: true, parameters: { who: 'x' } })]),
  );
  await h.clock.sleep(60_000);
  handle.cancel();
  const run = await handle.done;
  await h.runner.whenIdle();
  assert.equal(run.status, 'Cancelled');
  assert.equal(h.statusOf('Run child'), 'Cancelled');
  const childRun = [...h.recorder.pipelineRuns.values()].find((r) => r.pipelineName === 'Child');
  assert.equal(childRun?.status, 'Cancelled');
  assert.equal(h.statusOf('Child wait'), 'Cancelled');
});
