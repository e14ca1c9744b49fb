/**
 * What a failed storage request was, in terms every datastore kind shares: its HTTP status and the
 * storage service's own error code when there was an answer (Azure's `x-ms-error-code`, S3's `Code`), or
 * the network error's code when there was none (ECONNRESET, ...). From that the engine decides whether
 * to try again (throttling, a busy or failing server, a dropped connection) and what to tell the user.
 * Only the code and status are ever shown: an SDK's own message may quote the request, signed URL
 * included, so it never reaches a job record or a log the user reads.
 */
import { DomainError } from '../../core/errors.ts';

export interface StorageFailure {
  status?: number;
  code: string;
}

/** Statuses a storage service answers when trying again later may work. */
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Network failures and the names SDKs give throttling or timeouts. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
  // What a body stream cut off by the peer ends with in the Azure SDK (we never abort a download ourselves).
  'AbortError',
  'ERR_STREAM_ABORTED',
  'REQUEST_SEND_ERROR',
  'TimeoutError',
  'RequestTimeout',
  'SlowDown',
  'ServerBusy',
  'InternalError',
  'OperationTimedOut',
  'IncompleteDownload',
]);

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function statusOf(error: Record<string, unknown>): number | undefined {
  const metadata = error.$metadata as { httpStatusCode?: unknown } | undefined;
  for (const value of [error.statusCode, metadata?.httpStatusCode, error.status]) {
    if (typeof value === 'number') return value;
  }
  return undefined;
}

/** Reads the status and code of an error from any storage SDK (or from Node's network stack). */
export function storageFailure(error: unknown): StorageFailure {
  if (error instanceof DomainError) return { status: error.status, code: error.code };
  if (typeof error !== 'object' || error === null) return { code: 'StorageError' };
  const e = error as Record<string, unknown>;
  const details = e.details as { errorCode?: unknown } | undefined;
  const cause = e.cause as { code?: unknown } | undefined;
  const name = text(e.name);
  const code =
    text(details?.errorCode) ??
    text(e.Code) ??
    text(e.code) ??
    text(cause?.code) ??
    (name && name !== 'Error' && name !== 'RestError' ? name : undefined) ??
    'StorageError';
  const status = statusOf(e);
  return status === undefined ? { code } : { status, code };
}

/** Whether trying the same request again may succeed. Domain errors (a missing file, ...) never are. */
export function isTransient(error: unknown): boolean {
  if (error instanceof DomainError) return error instanceof TransientStorageError;
  const { status, code } = storageFailure(error);
  if (status !== undefined && TRANSIENT_STATUS.has(status)) return true;
  return TRANSIENT_CODES.has(code);
}

/** A failure of our own making that is worth another try (a download cut short, a file changed meanwhile). */
export class TransientStorageError extends DomainError {
  constructor(code: string, message: string) {
    super(code, 503, message);
  }
}

/**
 * A file of a datastore that could not be read after every try. The message names the datastore, the
 * file and the storage service's error, which is all a user needs to act and nothing that is secret.
 */
export class StorageReadError extends DomainError {
  constructor(datastore: string, path: string, failure: StorageFailure, tries: number) {
    const status = failure.status === undefined ? '' : ` (HTTP ${String(failure.status)})`;
    const after = tries > 1 ? ` after ${String(tries)} tries` : '';
    super(
      'StorageReadFailed',
      502,
      `Reading '${path}' from datastore '${datastore}' failed with ${failure.code}${status}${after}.`,
    );
  }
}
