/**
 * The authorization decision, with Azure's semantics: a role grants an action when some `actions` pattern
 * matches it and no `notActions` pattern does (`*` stands for any run of characters; case is ignored), and
 * an assignment reaches a scope when the scope is the assignment's own or lies under it. Pure functions over
 * the assignments the caller loads; nothing here reads storage.
 */
import { AuthorizationError } from './errors.ts';
import { ACTIONS } from './actions.ts';
import { findRole, type RoleDefinition } from './roles.ts';

/** A stored role assignment; the role is named by id (GUID or full definition id) or by name. */
export interface AssignmentLike {
  principalId: string;
  scope: string;
  roleId?: string | undefined;
  roleName?: string | undefined;
}

export interface PrincipalRef {
  /** Object id: what assignments name. */
  principalId: string;
  /** Application (client) id, for the refusal message; defaults to the object id. */
  clientId?: string | undefined;
}

const patternCache = new Map<string, RegExp>();

/** Azure wildcard match: `*` is any run of characters (possibly empty), everything else literal, any case. */
export function actionMatches(pattern: string, action: string): boolean {
  let re = patternCache.get(pattern);
  if (!re) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`, 'i');
    patternCache.set(pattern, re);
  }
  return re.test(action);
}

export function roleGrants(role: RoleDefinition, action: string): boolean {
  return (
    role.actions.some((p) => actionMatches(p, action)) &&
    !role.notActions.some((p) => actionMatches(p, action))
  );
}

function normScope(scope: string): string {
  return scope.trim().replace(/\/+$/, '').toLowerCase();
}

/** True when `scope` is `assignedScope` or lies under it; `/` (the root) covers everything. */
export function scopeCovers(assignedScope: string, scope: string): boolean {
  const a = normScope(assignedScope);
  const s = normScope(scope);
  return a === '' || s === a || s.startsWith(`${a}/`);
}

/** The roles that reach `scope` for `principalId`; assignments of unknown roles grant nothing. */
function rolesAt(
  assignments: readonly AssignmentLike[],
  principalId: string,
  scope: string,
): RoleDefinition[] {
  const who = principalId.toLowerCase();
  const roles: RoleDefinition[] = [];
  for (const a of assignments) {
    if (a.principalId.toLowerCase() !== who || !scopeCovers(a.scope, scope)) continue;
    const ref = a.roleId ?? a.roleName;
    const role = ref === undefined ? undefined : findRole(ref);
    if (role) roles.push(role);
  }
  return roles;
}

export function isAllowed(
  assignments: readonly AssignmentLike[],
  principalId: string,
  action: string,
  scope: string,
): boolean {
  return rolesAt(assignments, principalId, scope).some((r) => roleGrants(r, action));
}

/** Throws AuthorizationError (403, naming the action and scope) unless the principal may act. */
export function authorize(
  assignments: readonly AssignmentLike[],
  principal: PrincipalRef,
  action: string,
  scope: string,
): void {
  if (!isAllowed(assignments, principal.principalId, action, scope)) {
    throw new AuthorizationError(principal, action, scope);
  }
}

/**
 * Whether every role through which the principal may read jobs at `scope` is restricted to its own jobs
 * (the Batch Endpoint Invoker). Then the API must show only jobs the principal created. False when some
 * unrestricted role reaches the scope, and false when no role grants job reads at all (authorize refuses).
 */
export function ownJobsOnly(
  assignments: readonly AssignmentLike[],
  principalId: string,
  scope: string,
  action: string = ACTIONS.jobRead,
): boolean {
  const granting = rolesAt(assignments, principalId, scope).filter((r) => roleGrants(r, action));
  return granting.length > 0 && granting.every((r) => r.ownJobsOnly);
}
