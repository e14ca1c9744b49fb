/**
 * Errors of identity and access. Every refused token is an `AuthenticationError` (401) whose `code` says
 * exactly which check failed, so the API can answer like Entra ID and the audit log can record why; a key
 * store that cannot be read is a `KeyStoreError` (500), since no token can be issued or checked without it.
 */
import { DomainError } from '../core/errors.ts';

/** The stable codes of a refused token; tests and the audit log rely on them, so never rename one. */
export type AuthenticationErrorCode =
  | 'InvalidToken'
  | 'TokenExpired'
  | 'TokenNotYetValid'
  | 'InvalidAudience'
  | 'InvalidIssuer'
  | 'InvalidSignature'
  | 'UnsupportedAlgorithm'
  | 'UnknownKey'
  // A valid token whose principal has since been deleted, or a request with no token at all.
  | 'PrincipalNotFound'
  | 'MissingToken'
  // An external issuer's token naming the object id of a principal of this server.
  | 'PrincipalConflict'
  // Client credentials (service principal secrets), refused before any token exists.
  | 'UnknownClient'
  | 'InvalidClientSecret'
  | 'TooManyAttempts';

export class AuthenticationError extends DomainError {
  declare readonly code: AuthenticationErrorCode;
  /** For `TooManyAttempts`: how long the client must wait, for a Retry-After header. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: AuthenticationErrorCode, message: string, retryAfterSeconds?: number) {
    super(code, 401, message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The signing keys on disk are unreadable or damaged; the message names the file and the fix. */
export class KeyStoreError extends DomainError {
  constructor(message: string) {
    super('KeyStoreError', 500, message);
  }
}
