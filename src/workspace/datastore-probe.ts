/**
 * The check a remote datastore passes before it is saved: one small request (list one blob or object)
 * with the very client the backend will use. A failure becomes a 400 that names the datastore, the
 * operation and the storage service's own error code (or the identity library's, or the network's), and
 * never the SDK's message, which may quote a signed URL or a header. The check is bounded in time: an
 * identity that cannot be reached (no managed identity endpoint on this machine) or a server that never
 * answers is refused after PROBE_TIME_LIMIT_MS instead of holding the request.
 */
import { ValidationError } from '../core/errors.ts';

export const PROBE_TIME_LIMIT_MS = 15_000;

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

/** Identity failures have no code of their own, only their class name; these are the ones worth naming. */
const IDENTITY_ERRORS = ['CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError'];

/** The code a failure is reported with. */
function codeOfFailure(probe: Probe, error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && (IDENTITY_ERRORS.includes(name) || error instanceof ProbeTimeout)) {
    return name;
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
