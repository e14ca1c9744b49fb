/**
 * The check a remote datastore passes before it is saved: one small request (list one blob or object)
 * with the very client the backend will use. A failure becomes a 400 that names the datastore, the
 * operation and the storage service's own error code (or the identity library's, or the network's), and
 * never the SDK's message, which may quote a signed URL or a header. The check is bounded in time: an
 * identity that cannot be reached (no managed identity endpoint on this machine) or a server that never
 * answers is refused after PROBE_TIME_LIMIT_MS instead of holding the request.
 */
import { ValidationError } from '../core/errors.ts';

const PROBE_TIME_LIMIT_MS = 15_000;

export interface Probe {
  /** The datastore's name. */
  name: string;
  /** What was tried, e.g. "listing bucket 'b' at http://..." */
  operation: string;
  run(signal: AbortSignal): Promise<void>;
  codeOf(error: unknown): string | undefined;
  statusOf(error: unknown): number | undefined;
  /** The sentence that tells what to check. */
  hint: string;
  timeLimitMs?: number;
}

class ProbeTimeout extends Error {
  override name = 'Timeout';
}

/** @azure/identity's failures, known by class name; each may carry the authority's OAuth error code. */
const IDENTITY_ERRORS = [
  'CredentialUnavailableError',
  'AuthenticationError',
  'AuthenticationRequiredError',
  'AggregateAuthenticationError',
];

/** The authority's own error code (`invalid_client`, ...) behind an identity failure, if it gave one. */
function oauthCode(error: unknown): string | undefined {
  const e = error as { errorResponse?: { error?: unknown }; cause?: { errorCode?: unknown } };
  const code = e.errorResponse?.error ?? e.cause?.errorCode;
  return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : undefined;
}

/** The code a failure is reported with. */
function codeOfFailure(probe: Probe, error: unknown): string {
  if (error instanceof ProbeTimeout) return error.name;
  const name = (error as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && IDENTITY_ERRORS.includes(name)) {
    const oauth = oauthCode(error);
    return oauth === undefined ? name : `${name} (${oauth})`;
  }
  return probe.codeOf(error) ?? 'StorageError';
}

export async function probeDatastore(probe: Probe): Promise<void> {
  const limit = probe.timeLimitMs ?? PROBE_TIME_LIMIT_MS;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new ProbeTimeout());
      controller.abort();
    }, limit);
  });
  try {
    await Promise.race([probe.run(controller.signal), expired]);
  } catch (error) {
    const code = codeOfFailure(probe, error);
    const status = error instanceof ProbeTimeout ? undefined : probe.statusOf(error);
    const after = error instanceof ProbeTimeout ? ` (no answer within ${String(limit / 1000)} s)` : '';
    throw new ValidationError(
      `Datastore '${probe.name}': ${probe.operation} failed with ${code}` +
        `${typeof status === 'number' ? ` (HTTP ${String(status)})` : ''}${after}; ${probe.hint}`,
      'properties',
    );
  } finally {
    clearTimeout(timer);
  }
}
