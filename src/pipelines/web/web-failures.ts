/**
 * The errors WebActivity fails with, in Data Factory's codes and wording (its troubleshooting guide: 2103,
 * 2105, 2111 for bad properties, 2108 for endpoint calls, 2001 for the 4 MB limit, 2403 for tokens), so a
 * pipeline that branches on `activity('X').error.errorCode` or shows the message behaves as it does in Azure.
 * Failures Data Factory has no code for (features Nightshift does not offer) use descriptive codes.
 */
import { ActivityFailure } from '../runner/activity-failure.ts';

/** Status code text Data Factory uses when no HTTP response came back. */
const NO_RESPONSE_STATUS = 'NA - Unknown';

/** Longest response body quoted in a failure message; the whole body is in `details`. */
const BODY_IN_MESSAGE_LIMIT = 4000;

export function requiredProperty(property: string): ActivityFailure {
  return new ActivityFailure('2103', `Please provide value for the required property '${property}'.`);
}

export function wrongPropertyType(property: string, expectedType: string): ActivityFailure {
  return new ActivityFailure(
    '2111',
    `The type of the property '${property}' is incorrect. The expected type is ${expectedType}.`,
  );
}

export function invalidProperty(property: string, problem: string): ActivityFailure {
  return new ActivityFailure(
    '2105',
    `An invalid json is provided for property '${property}'. Encountered an error while trying to parse: '${problem}'.`,
  );
}

/** A call that got no HTTP response: bad URL, connection refused, DNS, TLS, or `httpRequestTimeout`. */
export function endpointUnreachable(url: string, exceptionMessage: string): ActivityFailure {
  return new ActivityFailure(
    '2108',
    `Error calling the endpoint '${url}'. Response status code: '${NO_RESPONSE_STATUS}'. More details: Exception message: '${exceptionMessage}'.`,
    { details: exceptionMessage },
  );
}

/** A non-2xx response; the activity's output (body, headers, status) stays on the failure. */
export function endpointFailed(
  url: string,
  status: number,
  bodyText: string,
  output: unknown,
): ActivityFailure {
  const quoted =
    bodyText.length > BODY_IN_MESSAGE_LIMIT ? `${bodyText.slice(0, BODY_IN_MESSAGE_LIMIT)}…` : bodyText;
  const more = bodyText === '' ? '' : ` More details: Response body: '${quoted}'.`;
  return new ActivityFailure(
    '2108',
    `Error calling the endpoint '${url}'. Response status code: '${status}'.${more}`,
    { details: bodyText, output },
  );
}

/** Newtonsoft, which Data Factory reads responses with, stops at the same depth. */
export function responseNestedTooDeep(limit: number): ActivityFailure {
  return new ActivityFailure(
    'ResponseNestedTooDeep',
    `The response body is JSON nested deeper than ${limit} levels, which pipelines cannot read; ask the endpoint for a flatter response.`,
  );
}

export function outputTooLarge(): ActivityFailure {
  return new ActivityFailure('2001', 'The length of execution output is over limit (around 4MB currently).');
}

export function managedIdentityTokenFailed(factory: string, region: string, cause: string): ActivityFailure {
  return new ActivityFailure(
    '2403',
    `Get access token from MSI failed for Datafactory ${factory}, region ${region}. Please verify resource url is valid and retry. Error: ${cause}`,
    { details: cause },
  );
}

export function servicePrincipalTokenFailed(cause: string): ActivityFailure {
  return new ActivityFailure(
    '2403',
    `Failed to get access token by using service principal. Error: ${cause}`,
    { details: cause },
  );
}

export function secretNotResolved(cause: string): ActivityFailure {
  return new ActivityFailure('SecretNotResolved', cause);
}

export function authenticationNotSupported(type: string, reason: string): ActivityFailure {
  return new ActivityFailure(
    'AuthenticationNotSupported',
    `Authentication type '${type}' is not supported by this WebActivity: ${reason}`,
  );
}
