/**
 * Data Factory's WebActivity as a plain function (spec §2.7.1): build the request from the evaluated
 * typeProperties, authenticate it, call, follow 202 + Location unless `turnOffAsync`, and shape the output
 * the way Azure does. Only 2xx succeeds; anything else throws an ActivityFailure that keeps the output, so
 * `activity('X').output` of a failed call still shows what the endpoint answered. The runner adapts this
 * to its handler interface; nothing here knows about pipelines, scopes or retries.
 */
import { followAcceptedResponse } from './async-polling.ts';
import { resolveCredentials, type RequestCredentials } from './auth.ts';
import type { FetchLike, WebActivityDeps, WebActivityResult } from './contract.ts';
import { sendHttpCall, type HttpCall, type HttpExchange } from './http-exchange.ts';
import { webActivityInputRecord } from './input-record.ts';
import { parseWebRequest, type WebRequestSpec } from './request.ts';
import { webActivityOutput } from './response.ts';
import { createTlsFetch } from './tls-fetch.ts';
import { endpointFailed } from './web-failures.ts';

const DEFAULT_POLL_INTERVAL_MS = 10_000;

/** Headers that describe a request body; a poll GET has none. */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding']);

/**
 * Runs one WebActivity attempt. `props` are the activity's typeProperties with expressions already
 * evaluated. Rejects with ActivityFailure on failure, or with the signal's reason when cancelled.
 */
export async function runWebActivity(props: unknown, deps: WebActivityDeps): Promise<WebActivityResult> {
  const input = webActivityInputRecord(props, { secureInput: deps.secureInput });
  const startedAt = deps.clock.now().getTime();
  const spec = parseWebRequest(props);
  const around = deps.aroundHttpCall ?? ((call) => call());
  const send = (call: HttpCall) => around(() => sendAuthenticated(call, spec, deps));
  const first = await send({ method: spec.method, url: spec.url, headers: spec.headers, body: spec.body });
  const final = spec.turnOffAsync
    ? first
    : await followAcceptedResponse(first, {
        clock: deps.clock,
        signal: deps.signal,
        defaultIntervalMs: deps.asyncPollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
        poll: (url) => send({ method: 'GET', url, headers: pollHeaders(spec.headers) }),
      });
  const output = webActivityOutput(final, {
    integrationRuntime: spec.integrationRuntime,
    region: deps.region ?? 'Local',
    elapsedMs: deps.clock.now().getTime() - startedAt,
  });
  if (final.status < 200 || final.status > 299) {
    throw endpointFailed(final.url, final.status, final.bodyText, output);
  }
  return { output, input };
}

/** Credentials are resolved for every call, so a long 202 poll picks up a refreshed token. */
async function sendAuthenticated(
  call: HttpCall,
  spec: WebRequestSpec,
  deps: WebActivityDeps,
): Promise<HttpExchange> {
  const credentials = await resolveCredentials(spec.authentication, deps);
  return sendHttpCall(
    { ...call, headers: withAuthorization(call.headers, credentials.authorization) },
    {
      fetch: httpClient(credentials, spec, deps),
      clock: deps.clock,
      timeoutMs: spec.timeoutMs,
      signal: deps.signal,
      rewriteUrl: deps.rewriteUrl,
    },
  );
}

/** The authentication block's header replaces an Authorization header the pipeline set itself. */
function withAuthorization(
  headers: Record<string, string>,
  authorization: string | undefined,
): Record<string, string> {
  if (authorization === undefined) return headers;
  const kept = Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization');
  return { ...Object.fromEntries(kept), Authorization: authorization };
}

function pollHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !BODY_HEADERS.has(name.toLowerCase())),
  );
}

function httpClient(credentials: RequestCredentials, spec: WebRequestSpec, deps: WebActivityDeps): FetchLike {
  if (credentials.tls === undefined && !spec.disableCertValidation) {
    return deps.fetch ?? ((input, init) => fetch(input, init));
  }
  return (deps.tlsFetch ?? createTlsFetch)({
    ...(credentials.tls ?? {}),
    rejectUnauthorized: !spec.disableCertValidation,
  });
}
