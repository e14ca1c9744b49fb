/**
 * Our hardened Run-BatchEndpoint (not Microsoft's): the same parameters and first activities, with the
 * flaws of spec §5.6 fixed so it can replace the documented pipeline.
 * - The loop also stops on Canceled, instead of polling until its 7-day timeout (§5.6.2).
 * - A job that does not end Completed fails the pipeline through a Fail activity whose message names the
 *   job, its status and the job's first error (`properties.error.message` of the job view), so
 *   ExecutePipeline parents and `pipeline run --wait` show why (§5.6.3).
 * - Check status retries transient errors; a check that still fails ends the loop with its error message
 *   instead of an expression error on missing output (§5.6.4).
 * - The status is read with `?.` and kept in a variable, and the loop waits only while the job is still
 *   running, so there is no extra wait after the job finished (§5.6.1).
 * - The service-principal variant fetches a fresh token on every poll, so jobs longer than a token's
 *   lifetime do not end in 401 (§5.6.5), and URL-encodes the client id and secret in the token request.
 * - The job name and final status are returned in `pipelineReturnValue` (jobName, jobStatus).
 */
import type { ActivityDefinition, PipelineDefinition } from '../definition/model.ts';
import {
  DEFAULT_PIPELINE_NAME,
  invokeActivity,
  JOB_URL,
  callAuth,
  endpointParameters,
  expression,
  servicePrincipalParameters,
  succeededAfter,
  tokenRequest,
  webPolicy,
  type TemplateOptions,
} from './template-parts.ts';

const TERMINAL = "createArray('Completed', 'Failed', 'Canceled')";
const JOB_NAME = "activity('Run Batch-Endpoint').output.name";

function setVariable(
  name: string,
  variableName: string,
  value: unknown,
  dependsOn: ActivityDefinition['dependsOn'],
): ActivityDefinition {
  return {
    name,
    type: 'SetVariable',
    dependsOn,
    policy: { secureOutput: false, secureInput: false },
    userProperties: [],
    typeProperties: { variableName, value },
  };
}

/** One poll: (refresh the token,) check, record the status or the error, wait if the job still runs. */
function pollActivities(tokenActivity: string | undefined): ActivityDefinition[] {
  const refresh = tokenActivity === undefined ? [] : [tokenRequest(tokenActivity, { encodeSecret: true })];
  const tokenFailure =
    tokenActivity === undefined
      ? []
      : [
          setVariable(
            'Record token failure',
            'CheckError',
            expression(`@activity('${tokenActivity}').error.message`),
            [{ activity: tokenActivity, dependencyConditions: ['Failed'] }],
          ),
        ];
  const check: ActivityDefinition = {
    name: 'Check status',
    type: 'WebActivity',
    dependsOn: tokenActivity === undefined ? [] : succeededAfter(tokenActivity),
    policy: webPolicy({ retry: 3 }),
    userProperties: [],
    typeProperties: { method: 'GET', url: JOB_URL, ...callAuth(tokenActivity) },
  };
  const wait: ActivityDefinition = {
    name: 'Wait',
    type: 'Wait',
    dependsOn: [],
    userProperties: [],
    typeProperties: { waitTimeInSeconds: expression('@pipeline().parameters.poll_interval') },
  };
  return [
    ...refresh,
    ...tokenFailure,
    check,
    setVariable(
      'Record job status',
      'JobStatus',
      expression("@coalesce(activity('Check status').output?.properties?.status, 'Unknown')"),
      succeededAfter('Check status'),
    ),
    setVariable(
      'Record job error',
      'JobError',
      expression("@coalesce(activity('Check status').output?.properties?.error?.message, '')"),
      succeededAfter('Check status'),
    ),
    setVariable('Record check failure', 'CheckError', expression("@activity('Check status').error.message"), [
      { activity: 'Check status', dependencyConditions: ['Failed'] },
    ]),
    {
      name: 'Wait if running',
      type: 'IfCondition',
      dependsOn: succeededAfter('Record job status'),
      userProperties: [],
      typeProperties: {
        expression: expression(`@not(contains(${TERMINAL}, variables('JobStatus')))`),
        ifTrueActivities: [wait],
      },
    },
  ];
}

const FAIL_MESSAGE =
  "@if(not(empty(variables('CheckError'))), " +
  `concat('Could not read the status of batch job ', ${JOB_NAME}, ': ', variables('CheckError')), ` +
  "if(contains(createArray('Failed', 'Canceled'), variables('JobStatus')), " +
  `concat('Batch job ', ${JOB_NAME}, ' ended as ', variables('JobStatus'), ` +
  "if(empty(variables('JobError')), '', concat(': ', variables('JobError')))), " +
  `concat('Batch job ', ${JOB_NAME}, ' did not finish before Wait for job timed out (last status: ', variables('JobStatus'), ')')))`;

const FAIL_CODE =
  "@if(not(empty(variables('CheckError'))), 'BatchJobStatusUnavailable', " +
  "if(equals(variables('JobStatus'), 'Canceled'), 'BatchJobCanceled', " +
  "if(equals(variables('JobStatus'), 'Failed'), 'BatchJobFailed', 'BatchJobTimedOut')))";

export function hardenedActivities(
  tokenActivity: string | undefined,
  invokeToken: string | undefined,
): ActivityDefinition[] {
  const invoke = invokeActivity(invokeToken);
  const loop: ActivityDefinition = {
    name: 'Wait for job',
    type: 'Until',
    dependsOn: succeededAfter('Run Batch-Endpoint'),
    userProperties: [],
    typeProperties: {
      expression: expression(
        `@or(contains(${TERMINAL}, variables('JobStatus')), not(empty(variables('CheckError'))))`,
      ),
      activities: pollActivities(tokenActivity),
      timeout: '7.00:00:00',
    },
  };
  return [invoke, loop, ...outcomeActivities()];
}

/** After the loop, however it ended: return the job's name and status, then fail unless it Completed. */
function outcomeActivities(): ActivityDefinition[] {
  const returnValue: ActivityDefinition = {
    name: 'Return job details',
    type: 'SetVariable',
    dependsOn: [{ activity: 'Wait for job', dependencyConditions: ['Completed'] }],
    policy: { secureOutput: false, secureInput: false },
    userProperties: [],
    typeProperties: {
      variableName: 'pipelineReturnValue',
      setSystemVariable: true,
      value: [
        { key: 'jobName', value: { type: 'Expression', content: `@${JOB_NAME}` } },
        { key: 'jobStatus', value: { type: 'Expression', content: "@variables('JobStatus')" } },
      ],
    },
  };
  const verdict: ActivityDefinition = {
    name: 'Check job outcome',
    type: 'IfCondition',
    dependsOn: succeededAfter('Return job details'),
    userProperties: [],
    typeProperties: {
      expression: expression("@equals(variables('JobStatus'), 'Completed')"),
      ifFalseActivities: [
        {
          name: 'Batch job did not complete',
          type: 'Fail',
          dependsOn: [],
          userProperties: [],
          typeProperties: { message: expression(FAIL_MESSAGE), errorCode: expression(FAIL_CODE) },
        },
      ],
    },
  };
  return [returnValue, verdict];
}

export const VARIABLES = {
  JobStatus: { type: 'String', defaultValue: 'NotStarted' },
  CheckError: { type: 'String', defaultValue: '' },
  JobError: { type: 'String', defaultValue: '' },
};

export function runBatchEndpointHardened(
  options: TemplateOptions & { auth: 'MI' | 'SP' },
): PipelineDefinition {
  const sp = options.auth === 'SP';
  const activities = sp
    ? [tokenRequest('Authorize', { encodeSecret: true }), ...hardenedActivities('Refresh token', 'Authorize')]
    : hardenedActivities(undefined, undefined);
  return {
    name: options.pipelineName ?? DEFAULT_PIPELINE_NAME,
    properties: {
      description:
        'Runs a batch endpoint job and fails unless it ends Completed; stops polling on Completed, Failed or ' +
        `Canceled and returns jobName and jobStatus. Authenticates ${sp ? 'as a service principal' : 'with the managed identity'}.`,
      activities,
      parameters: sp
        ? { ...endpointParameters(), ...servicePrincipalParameters(options) }
        : endpointParameters(),
      variables: VARIABLES,
      annotations: [],
    },
  };
}
