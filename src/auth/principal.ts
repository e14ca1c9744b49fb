/**
 * Who is calling: what the authenticator makes of a verified token, and what authorization, job
 * ownership, `systemData` and the audit log read. Built only from a token that passed every check.
 */
export type PrincipalType = 'User' | 'Application' | 'ManagedIdentity';

export interface Principal {
  /** Object id: what role assignments name. */
  objectId: string;
  /** Application (client) id for apps and managed identities; the object id for users. */
  clientId: string;
  displayName: string;
  type: PrincipalType;
  /**
   * What `systemData.createdBy` and the audit log record: the app id of an application or managed
   * identity (as Azure records it), the user name of a user; for a principal of an external issuer, that
   * name followed by the issuer in parentheses, so it never reads as a local principal's. Own-jobs checks
   * compare the object id (`systemData.createdById`), not this.
   */
  actor: string;
  /** The token's `uti`/`jti`, so the audit log can name a token without recording it. */
  tokenId?: string;
}

/** The caller when authentication is off (`--auth none`): the configured local actor, as before. */
export function anonymousPrincipal(actor: string): Principal {
  return {
    objectId: '00000000-0000-0000-0000-000000000000',
    clientId: actor,
    displayName: actor,
    type: 'User',
    actor,
  };
}
