/**
 * The two public analogs of Run-BatchEndpoint (spec §5.8), rebuilt here from their description, run on the
 * virtual clock with the real WebActivity against local fake services: a Databricks-style job (status kept
 * in a variable, an inner Until activity read after the loop, a Fail with the run page, a
 * `pipelineReturnValue`) and a Synapse Livy-style batch (every terminal state in the loop condition, a
 * Fail whose message joins the log). Long polls finish in virtual time while the HTTP is real.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PipelineDefinition } from '../definition/model.ts';
import { createExpressionEngine } from '../expressions/engine.ts';
import { createControlFlowRegistry } from '../runner/control-flow-handlers.ts';
import { RunRecorder } from '../runner/events.ts';
import { sequentialIds } from '../runner/ids.ts';
import { PipelineRunner } from '../runner/pipeline-runner.ts';
import { VirtualClock } from '../time/virtual-clock.ts';
import { createSecretProvider } from '../web/secrets.ts';
import { sendJson, startLocalServer } from '../../../test/support/pipelines/web/local-http-server.ts';
import { webActivityHandler } from './web-activity-handler.ts';

const expr = (value: string) => ({ value, type: 'Expression' as const });
const after = (activity: string) => [{ activity, dependencyConditions: ['Succeeded' as const] }];

function runnerOn(clock: VirtualClock) {
  const recorder = new RunRecorder();
  const handlers = createControlFlowRegistry().register(
    'WebActivity',
    webActivityHandler({
      // The fake services accept any bearer token; this stands in for the factory's identity.
      tokens: {
        managedIdentityToken: (resource) => Promise.resolve(`msi-token-for-${resource}`),
        servicePrincipalToken: () => Promise.reject(new Error('not used')),
      },
      secrets: createSecretProvider(),
    }),
  );
  const runner = new PipelineRunner({
    expressions: createExpressionEngine(),
    clock,
    ids: sequentialIds(),
    handlers,
    events: recorder,
    pipelines: { find: () => Promise.resolve(undefined) },
  });
  return { runner, recorder };
}

function databricksPipeline(base: string): PipelineDefinition {
  const check = "activity('Check Job Run API').output";
  return {
    name: 'Databricks-Trigger-Workflow',
    properties: {
      parameters: {
        ADFWaitSeconds: { type: 'int', defaultValue: 30 },
        DatabricksJobParameters: { type: 'string', defaultValue: { region: 'eu', day: 3 } },
      },
      variables: { JobStatus: { type: 'String', defaultValue: 'Running' } },
      activities: [
        {
          name: 'Execute Workflow Run API',
          type: 'WebActivity',
          policy: { timeout: '0.00:10:00', retry: 3, retryIntervalInSeconds: 30 },
          typeProperties: {
            method: 'POST',
            url: `${base}/api/2.1/jobs/run-now`,
            authentication: { type: 'MSI', resource: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d' },
            body: expr('{"job_id": 42, "job_parameters": @{pipeline().parameters.DatabricksJobParameters}}'),
          },
        },
        {
          name: 'Wait Until Job Completes',
          type: 'Until',
          dependsOn: after('Execute Workflow Run API'),
          typeProperties: {
            expression: expr("@not(equals(variables('JobStatus'),'Running'))"),
            timeout: '7.00:00:00',
            activities: [
              {
                name: 'Check Job Run API',
                type: 'WebActivity',
                typeProperties: {
                  method: 'GET',
                  url: expr(
                    `@concat('${base}/api/2.1/jobs/runs/get?run_id=', activity('Execute Workflow Run API').output.run_id)`,
                  ),
                  authentication: { type: 'MSI', resource: '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d' },
                },
              },
              {
                name: 'Set Job Status',
                type: 'SetVariable',
                dependsOn: after('Check Job Run API'),
                typeProperties: {
                  variableName: 'JobStatus',
                  value: expr(
                    `@if(or(equals(${check}.state.life_cycle_state,'PENDING'), equals(${check}.state.life_cycle_state,'RUNNING')), 'Running', ${check}.state.result_state)`,
                  ),
                },
              },
              {
                name: 'Wait to Recheck API',
                type: 'Wait',
                dependsOn: after('Set Job Status'),
                typeProperties: { waitTimeInSeconds: expr('@pipeline().parameters.ADFWaitSeconds') },
              },
            ],
          },
        },
        {
          name: 'Check Job Status',
          type: 'IfCondition',
          dependsOn: after('Wait Until Job Completes'),
          typeProperties: {
            expression: expr("@equals(variables('JobStatus'),'SUCCESS')"),
            ifFalseActivities: [
              {
                name: 'Job failed',
                type: 'Fail',
                typeProperties: {
                  message: expr(`@concat('Job Run URL: ', ${check}.run_page_url)`),
                  errorCode: 'Databricks Error',
                },
              },
            ],
          },
        },
        {
          name: 'Set Run Page URL',
          type: 'SetVariable',
          dependsOn: after('Wait Until Job Completes'),
          typeProperties: {
            variableName: 'pipelineReturnValue',
            setSystemVariable: true,
            value: [{ key: 'jobRunURL', value: { type: 'Expression', content: `@${check}.run_page_url` } }],
          },
        },
      ],
    },
  };
}

test('a Databricks-style job polled for an hour on the virtual clock: status in a variable, result after the loop', async () => {
  for (const result of ['SUCCESS', 'FAILED']) {
    const clock = new VirtualClock();
    const started = clock.now().getTime();
    const server = await startLocalServer((req, res) => {
      if (req.method === 'POST') {
        sendJson(res, 200, { run_id: 7 });
        return;
      }
      const done = clock.now().getTime() - started >= 60 * 60 * 1000;
      sendJson(res, 200, {
        run_page_url: 'https://dbc.example/run/7',
        state: done
          ? { life_cycle_state: 'TERMINATED', result_state: result }
          : { life_cycle_state: 'RUNNING' },
      });
    });
    try {
      const { runner, recorder } = runnerOn(clock);
      const run = await runner.run(databricksPipeline(server.url));
      const post = server.requests[0];
      assert.equal(post?.headers.authorization, 'Bearer msi-token-for-2ff814a6-3304-4ab8-85cb-cd0e6f879c1d');
      // The object default of a string parameter is embedded as JSON text by @{...}.
      assert.deepEqual(JSON.parse(post.body), { job_id: 42, job_parameters: { region: 'eu', day: 3 } });
      assert.equal(recorder.runsOfActivity('Check Job Run API').length, 121);
      assert.deepEqual(run.pipelineReturnValue, { jobRunURL: 'https://dbc.example/run/7' });
      if (result === 'SUCCESS') {
        assert.equal(run.status, 'Succeeded', run.message);
      } else {
        assert.equal(run.status, 'Failed');
        assert.match(run.message, /Job Run URL: https:\/\/dbc\.example\/run\/7/);
        assert.equal(recorder.runsOfActivity('Job failed')[0]?.error?.errorCode, 'Databricks Error');
      }
    } finally {
      await server.close();
    }
  }
});

function livyPipeline(base: string): PipelineDefinition {
  const state = (s: string) => `equals('${s}',activity('Get run status').output.state)`;
  return {
    name: 'RunSynapseWebActivityPipeline',
    properties: {
      activities: [
        {
          name: 'Call Synapse Livy',
          type: 'WebActivity',
          typeProperties: {
            method: 'POST',
            url: expr(`@Concat('${base}', '/livyApi/versions/2019-11-01-preview/sparkPools/pool/batches')`),
            authentication: { type: 'MSI', resource: 'https://dev.azuresynapse.net/' },
            body: { name: 'job', file: 'abfss://x/main.py' },
          },
        },
        {
          name: 'Get Livy Batch Status',
          type: 'Until',
          dependsOn: after('Call Synapse Livy'),
          typeProperties: {
            expression: expr(
              `@or(or(${state('success')},${state('killed')}),or(${state('dead')},${state('error')}))`,
            ),
            timeout: '7.00:00:00',
            activities: [
              {
                name: 'Get run status',
                type: 'WebActivity',
                typeProperties: {
                  method: 'GET',
                  url: expr(
                    `@concat('${base}/livyApi/versions/2019-11-01-preview/sparkPools/pool/batches/', activity('Call Synapse Livy').output.id)`,
                  ),
                  authentication: { type: 'MSI', resource: 'https://dev.azuresynapse.net/' },
                },
              },
              {
                name: 'Delay 30s',
                type: 'Wait',
                dependsOn: after('Get run status'),
                typeProperties: { waitTimeInSeconds: 30 },
              },
            ],
          },
        },
        {
          name: 'Livy Batch Final Status Evaluation',
          type: 'IfCondition',
          dependsOn: after('Get Livy Batch Status'),
          typeProperties: {
            expression: expr(`@${state('success')}`),
            ifFalseActivities: [
              {
                name: 'Livy batch failed',
                type: 'Fail',
                typeProperties: {
                  message: expr("@join(activity('Get run status').output.log, ',')"),
                  errorCode: expr('600'),
                },
              },
            ],
          },
        },
      ],
    },
  };
}

test('a Livy-style batch: every terminal state ends the loop, a dead batch fails with its joined log', async () => {
  for (const final of ['success', 'dead']) {
    const clock = new VirtualClock();
    let polls = 0;
    const server = await startLocalServer((req, res) => {
      if (req.method === 'POST') {
        sendJson(res, 200, { id: 12, state: 'starting' });
        return;
      }
      polls += 1;
      sendJson(res, 200, { id: 12, state: polls < 5 ? 'running' : final, log: ['line 1', 'line 2'] });
    });
    try {
      const { runner } = runnerOn(clock);
      const run = await runner.run(livyPipeline(server.url));
      assert.equal(polls, 5);
      assert.equal(
        server.requests[1]?.path,
        '/livyApi/versions/2019-11-01-preview/sparkPools/pool/batches/12',
      );
      if (final === 'success') assert.equal(run.status, 'Succeeded', run.message);
      else {
        assert.equal(run.status, 'Failed');
        assert.match(run.message, /line 1,line 2/);
      }
    } finally {
      await server.close();
    }
  }
});
