/**
 * Run-BatchEndpoint as Azure ML documents it (spec §5.4 managed identity, §5.5 service principal), rebuilt
 * in Data Factory's Git JSON shape: invoke the batch endpoint, then poll the job in an Until loop until it
 * is Completed or Failed. It keeps the documented behaviour, flaws included (§5.6): a failed job still
 * ends the pipeline Succeeded, and a Canceled job polls until the loop times out. The hardened variant
 * fixes these.
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

/** `tokenActivity` is the Web activity whose `access_token` authorises the calls; none means MSI. */
function invokeAndPoll(tokenActivity: string | undefined): ActivityDefinition[] {
  const invoke = invokeActivity(tokenActivity);
  const checkStatus: ActivityDefinition = {
    name: 'Check status',
    type: 'WebActivity',
    dependsOn: [],
    policy: webPolicy(),
    userProperties: [],
    typeProperties: { method: 'GET', url: JOB_URL, ...callAuth(tokenActivity) },
  };
  const wait: ActivityDefinition = {
    name: 'Wait',
    type: 'Wait',
    dependsOn: succeededAfter('Check status'),
    userProperties: [],
    typeProperties: { waitTimeInSeconds: expression('@pipeline().parameters.poll_interval') },
  };
  const loop: ActivityDefinition = {
    name: 'Wait for job',
    type: 'Until',
    dependsOn: succeededAfter('Run Batch-Endpoint'),
    userProperties: [],
    typeProperties: {
      expression: expression(
        "@or(equals(activity('Check status').output.properties.status, 'Completed'), " +
          "equals(activity('Check status').output.properties.status, 'Failed'))",
      ),
      activities: [checkStatus, wait],
      timeout: '7.00:00:00',
    },
  };
  return [invoke, loop];
}

export function runBatchEndpointManagedIdentity(options: TemplateOptions): PipelineDefinition {
  return {
    name: options.pipelineName ?? DEFAULT_PIPELINE_NAME,
    properties: {
      description:
        'Runs a batch endpoint job and waits until it is Completed or Failed, authenticating with the ' +
        `managed identity. endpoint_uri is the scoring URI, e.g. ${options.serverUrl.replace(/\/+$/, '')}/endpoints/<name>/jobs.`,
      activities: invokeAndPoll(undefined),
      parameters: endpointParameters(),
      annotations: [],
    },
  };
}

export function runBatchEndpointServicePrincipal(options: TemplateOptions): PipelineDefinition {
  return {
    name: options.pipelineName ?? DEFAULT_PIPELINE_NAME,
    properties: {
      description:
        'Runs a batch endpoint job and waits until it is Completed or Failed, authenticating as a service ' +
        'principal (client_id, client_secret) against token_authority/tenant_id/oauth2/token.',
      activities: [tokenRequest('Authorize', { encodeSecret: false }), ...invokeAndPoll('Authorize')],
      parameters: { ...endpointParameters(), ...servicePrincipalParameters(options) },
      annotations: [],
    },
  };
}
