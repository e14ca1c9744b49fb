/**
 * The authorization decision, with Azure's semantics: a role grants an action when some `actions` pattern
 * matches it and no `notActions` pattern does (`*` stands for any run of characters; case is ignored), and
 * an assignment reaches a scope when the scope is the assignment's own or lies under it. A data action is
 * granted only through `dataActions`/`notDataActions`: `actions: ['*']` does not reach file contents, as
 * in Azure. Pure functions over the assignments the caller loads; nothing here reads storage.
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

/** Whether the action is a management action or a data action (checked against other lists). */
export type ActionKind = 'action' | 'dataAction';

export function roleGrants(role: RoleDefinition, action: string, kind: ActionKind = 'action'): boolean {
  const [allowed, denied] =
    kind === 'dataAction' ? [role.dataActions, role.notDataActions] : [role.actions, role.notActions];
  return allowed.some((p) => actionMatches(p, action)) && !denied.some((p) => actionMatches(p, action));
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
export function rolesAt(
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
  kind: ActionKind = 'action',
): boolean {
  return rolesAt(assignments, principalId, scope).some((r) => roleGrants(r, action, kind));
}

/** Throws AuthorizationError (403, naming the action and scope) unless the principal may act. */
export function authorize(
  assignments: readonly AssignmentLike[],
  principal: PrincipalRef,
  action: string,
  scope: string,
  kind: ActionKind = 'action',
): void {
  if (!isAllowed(assignments, principal.principalId, action, scope, kind)) {
    throw new AuthorizationError(principal, action, scope);
  }
}

/**
 * Whether every role through which the principal may perform `action` (job reads by default; also the
 * job-output data action) at `scope` is restricted to its own jobs (the Batch Endpoint Invoker). Then the
 * API must show only jobs the principal created. False when some unrestricted role reaches the scope, and
 * false when no role grants the action at all (authorize refuses).
 */
export function ownJobsOnly(
  assignments: readonly AssignmentLike[],
  principalId: string,
  scope: string,
  action: string = ACTIONS.jobRead,
  kind: ActionKind = 'action',
): boolean {
  const granting = rolesAt(assignments, principalId, scope).filter((r) => roleGrants(r, action, kind));
  return granting.length > 0 && granting.every((r) => r.ownJobsOnly);
}
