/**
 * The refusal of an authenticated caller: a 403 whose message, in Azure's own wording, names the action that
 * was missing and the scope it was needed at, so an operator can grant exactly that. Kept apart from
 * src/auth/errors.ts (authentication failures, 401) because the two are raised by different layers.
 */
import { DomainError } from '../../core/errors.ts';

export class AuthorizationError extends DomainError {
  readonly action: string;
  readonly scope: string;
  readonly principalId: string;

  /** `clientId` is the application (client) id when the caller is a service principal; else the object id. */
  constructor(
    principal: { principalId: string; clientId?: string | undefined },
    action: string,
    scope: string,
    /** What to grant, when the refusal has a known fix (e.g. the storage role a job's datastore needs). */
    hint?: string,
  ) {
    const client = principal.clientId ?? principal.principalId;
    super(
      'AuthorizationFailed',
      403,
      `The client '${client}' with object id '${principal.principalId}' does not have authorization to perform ` +
        `action '${action}' over scope '${scope}' or the scope is invalid.${hint === undefined ? '' : ` ${hint}`}`,
    );
    this.action = action;
    this.scope = scope;
    this.principalId = principal.principalId;
  }
}
