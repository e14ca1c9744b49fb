/**
 * Building blocks for the Run-BatchEndpoint templates: Expression objects, Web activity policies, the
 * batch-endpoint request body and the token request. The templates call only Nightshift itself: where
 * Azure's template calls login.microsoftonline.com, ours reads a `token_authority` parameter whose default
 * is the Nightshift server the template was built for.
 */
import { DEFAULT_TENANT } from '../../auth/tokens/discovery.ts';
import type { ActivityDefinition, ActivityPolicy, ExpressionObject } from '../definition/model.ts';

export interface TemplateOptions {
  /** Base URL of the Nightshift server, e.g. `http://localhost:5555`: the default token authority. */
  serverUrl: string;
  /** Tenant of the service-principal token endpoints; Nightshift's is `nightshift`. */
  tenant?: string;
  /** Name given to the pipeline; Azure's templates (and ours by default) use `Run-BatchEndpoint`. */
  pipelineName?: string;
}

export const DEFAULT_PIPELINE_NAME = 'Run-BatchEndpoint';
/** The token audience of batch endpoints (spec §5.3). */
const ML_RESOURCE = 'https://ml.azure.com';

export function expression(value: string): ExpressionObject {
  return { value, type: 'Expression' };
}

export function webPolicy(overrides: Partial<ActivityPolicy> = {}): ActivityPolicy {
  return {
    timeout: '0.12:00:00',
    retry: 0,
    retryIntervalInSeconds: 30,
    secureOutput: false,
    secureInput: false,
    ...overrides,
  };
}

export function succeededAfter(activity: string): ActivityDefinition['dependsOn'] {
  return [{ activity, dependencyConditions: ['Succeeded'] }];
}

/** The server URL without a trailing slash, as the default of `token_authority`. */
function authorityOf(serverUrl: string): string {
  return serverUrl.replace(/\/+$/, '');
}

/** The invoke body of spec §5.3: one input (folder or file) and one output file. */
const INVOKE_BODY = expression(
  JSON.stringify(
    {
      properties: {
        InputData: {
          input_data: {
            JobInputType: '@{pipeline().parameters.endpoint_input_type}',
            Uri: '@{pipeline().parameters.endpoint_input_uri}',
          },
        },
        OutputData: {
          output_data: { JobOutputType: 'UriFile', Uri: '@{pipeline().parameters.endpoint_output_uri}' },
        },
      },
    },
    null,
    2,
  ),
);

export const JOB_URL = expression(
  "@concat(pipeline().parameters.endpoint_uri, '/', activity('Run Batch-Endpoint').output.name)",
);

/** The v1 client-credentials request to `{token_authority}/{tenant_id}/oauth2/token`. */
export function tokenRequest(
  name: string,
  options: { encodeSecret: boolean; dependsOn?: string },
): ActivityDefinition {
  const value = (parameter: string): string =>
    options.encodeSecret
      ? `uriComponent(pipeline().parameters.${parameter})`
      : `pipeline().parameters.${parameter}`;
  return {
    name,
    type: 'WebActivity',
    dependsOn: options.dependsOn === undefined ? [] : succeededAfter(options.dependsOn),
    policy: webPolicy({
      timeout: '0.00:10:00',
      secureOutput: true,
      secureInput: true,
      ...(options.encodeSecret ? { retry: 3 } : {}),
    }),
    userProperties: [],
    typeProperties: {
      method: 'POST',
      url: expression(
        "@concat(pipeline().parameters.token_authority, '/', pipeline().parameters.tenant_id, '/oauth2/token')",
      ),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: expression(
        `@concat('grant_type=client_credentials&client_id=', ${value('client_id')}, '&client_secret=', ` +
          `${value('client_secret')}, '&resource=${ML_RESOURCE}')`,
      ),
    },
  };
}

/** Headers of a call made with the token of `tokenActivity`, or MSI authentication when there is none. */
export function callAuth(
  tokenActivity: string | undefined,
  headers: Record<string, unknown> = {},
): Record<string, unknown> {
  if (tokenActivity === undefined) {
    const authentication = { type: 'MSI', resource: ML_RESOURCE };
    return Object.keys(headers).length === 0 ? { authentication } : { headers, authentication };
  }
  return {
    headers: {
      ...headers,
      Authorization: expression(`@concat('Bearer ', activity('${tokenActivity}').output.access_token)`),
    },
  };
}

/** Parameters shared by every variant (spec §5.2). */
export function endpointParameters(): Record<string, { type: string; defaultValue?: unknown }> {
  return {
    endpoint_uri: { type: 'string' },
    poll_interval: { type: 'int', defaultValue: 120 },
    endpoint_input_uri: { type: 'string' },
    endpoint_input_type: { type: 'string', defaultValue: 'UriFolder' },
    endpoint_output_uri: { type: 'string' },
  };
}

/** The service-principal parameters; the authority and tenant default to this Nightshift server. */
export function servicePrincipalParameters(
  options: TemplateOptions,
): Record<string, { type: string; defaultValue?: unknown }> {
  return {
    token_authority: { type: 'string', defaultValue: authorityOf(options.serverUrl) },
    tenant_id: { type: 'string', defaultValue: options.tenant ?? DEFAULT_TENANT },
    client_id: { type: 'string' },
    client_secret: { type: 'securestring' },
  };
}

/** `Run Batch-Endpoint`: the invoke call of spec §5.3, authorised by `tokenActivity`'s token or by MSI. */
export function invokeActivity(tokenActivity: string | undefined): ActivityDefinition {
  return {
    name: 'Run Batch-Endpoint',
    type: 'WebActivity',
    dependsOn: tokenActivity === undefined ? [] : succeededAfter(tokenActivity),
    policy: webPolicy(),
    userProperties: [],
    typeProperties: {
      method: 'POST',
      url: expression('@pipeline().parameters.endpoint_uri'),
      ...callAuth(tokenActivity, { 'Content-Type': 'application/json' }),
      body: INVOKE_BODY,
    },
  };
}
