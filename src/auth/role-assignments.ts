/**
 * Role assignments: which principal holds which role at which scope, kept as documents in the resource
 * repository and answered in `az role assignment`'s shape. The assignee may be named the ways az accepts
 * (an app id, an object id) plus, for managed identities, by name. A scope must be the hosted workspace,
 * something under it (an endpoint), or one of its parents; anything else could never be checked here.
 * Assignments are read on every request, so they are kept in memory, fresh as directory-cache.ts says.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import type { ResourceRepository } from '../store/contract.ts';
import { cacheDirectory, type DirectoryFreshness } from './directory-cache.ts';
import type { IdentityService } from './identity-service.ts';
import type { Principal } from './principal.ts';
import type { AssignmentLike } from './rbac/authorize.ts';
import { requireRole } from './rbac/roles.ts';

export interface RoleAssignment extends AssignmentLike {
  id: string;
  name: string;
  type: 'Microsoft.Authorization/roleAssignments';
  principalId: string;
  principalType: 'ServicePrincipal' | 'User';
  /** The app id or identity name it was created with, for display. */
  principalName: string;
  roleDefinitionId: string;
  roleDefinitionName: string;
  roleId: string;
  scope: string;
  createdOn: string;
  createdBy: string;
}

export interface AssignmentFilter {
  assignee?: string | undefined;
  role?: string | undefined;
  scope?: string | undefined;
}

export interface RoleAssignmentService {
  create(
    request: { assignee: string; role: string; scope?: string | undefined },
    by: Principal,
  ): Promise<RoleAssignment>;
  list(filter?: AssignmentFilter): Promise<RoleAssignment[]>;
  /** Deletes by id (or GUID name), or every assignment matching the filter; returns what was deleted. */
  delete(request: AssignmentFilter & { id?: string | undefined }): Promise<RoleAssignment[]>;
  /** Every assignment of a principal (cached). */
  forPrincipal(objectId: string): Promise<RoleAssignment[]>;
  /** Drops the assignments of a principal that no longer exists. */
  removePrincipal(objectId: string): Promise<void>;
}

const KIND = 'roleAssignment';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function normalize(scope: string): string {
  return scope.trim().replace(/\/+$/, '');
}

/**
 * A scope is compared as text with the scopes requests are checked at, so it must be spelled the one
 * way those are: no `.` or `..` segments, no empty ones (`//`), nothing percent-encoded. Otherwise an
 * assignment could name a scope no check ever builds, or look narrower than it is.
 */
function checkSegments(scope: string): void {
  const segments = scope.trim().replace(/\/+$/, '').split('/').slice(1);
  const bad = segments.find((s) => s === '' || s === '.' || s === '..' || s.includes('%'));
  if (bad !== undefined) {
    const what =
      bad === '' ? 'an empty segment (//)' : bad.includes('%') ? `'${bad}' (percent-encoded)` : `'${bad}'`;
    throw new ValidationError(
      `Scope '${scope}' has ${what}; give the resource's id as it is, e.g. '/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.MachineLearningServices/workspaces/<name>'.`,
      'scope',
    );
  }
}

export function createRoleAssignmentService(deps: {
  repo: ResourceRepository;
  identities: IdentityService;
  workspaceArmId: string;
  now?: () => Date;
  freshness?: DirectoryFreshness;
}): RoleAssignmentService {
  const ws = normalize(deps.workspaceArmId);
  const cache = cacheDirectory(() => deps.repo.list<RoleAssignment>(KIND), deps.freshness);
  const all = () => cache.get();

  function checkScope(scope: string): string {
    checkSegments(scope);
    const s = normalize(scope);
    const lower = s.toLowerCase();
    const wsLower = ws.toLowerCase();
    const under = lower === wsLower || lower.startsWith(`${wsLower}/`);
    const parent = lower === '' || wsLower.startsWith(`${lower}/`);
    if (!s.startsWith('/') || !(under || parent)) {
      throw new ValidationError(
        `Scope '${scope}' is not this server's workspace or a resource in it; use '${ws}' or a path under it ` +
          `such as '${ws}/batchEndpoints/<endpoint>'.`,
        'scope',
      );
    }
    return s === '' ? '/' : s;
  }

  /** The object id an assignee names: app id or object id of a principal, identity name or client id. */
  async function resolveAssignee(
    assignee: string,
  ): Promise<{ objectId: string; type: RoleAssignment['principalType'] }> {
    const wanted = assignee.trim().toLowerCase();
    for (const sp of await deps.identities.listServicePrincipals()) {
      if (sp.appId.toLowerCase() === wanted || sp.objectId.toLowerCase() === wanted)
        return { objectId: sp.objectId, type: sp.localUser === undefined ? 'ServicePrincipal' : 'User' };
    }
    for (const mi of await deps.identities.listManagedIdentities()) {
      if ([mi.name, mi.clientId, mi.objectId].some((v) => v.toLowerCase() === wanted))
        return { objectId: mi.objectId, type: 'ServicePrincipal' };
    }
    // An object id we do not know is a principal of an external issuer; az accepts those as well.
    if (GUID.test(wanted)) return { objectId: wanted, type: 'User' };
    throw new ValidationError(
      `Cannot find a principal '${assignee}': give the app id or object id of a service principal, the name ` +
        'or client id of a managed identity, or the object id of an external user.',
      'assignee',
    );
  }

  async function matching(filter: AssignmentFilter): Promise<RoleAssignment[]> {
    const who = filter.assignee === undefined ? undefined : (await resolveAssignee(filter.assignee)).objectId;
    const roleId = filter.role === undefined ? undefined : requireRole(filter.role).id;
    const scope = filter.scope === undefined ? undefined : checkScope(filter.scope).toLowerCase();
    return (await all()).filter(
      (a) =>
        (who === undefined || a.principalId.toLowerCase() === who) &&
        (roleId === undefined || a.roleId === roleId) &&
        (scope === undefined || a.scope.toLowerCase() === scope),
    );
  }

  return {
    async create(request, by) {
      const role = requireRole(request.role);
      const scope = checkScope(request.scope ?? ws);
      const { objectId, type } = await resolveAssignee(request.assignee);
      const existing = (await all()).find(
        (a) =>
          a.principalId === objectId && a.roleId === role.id && a.scope.toLowerCase() === scope.toLowerCase(),
      );
      if (existing) throw new ConflictError('The role assignment already exists.', 'RoleAssignmentExists');
      const name = randomUUID();
      const assignment: RoleAssignment = {
        id: `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
        name,
        type: 'Microsoft.Authorization/roleAssignments',
        principalId: objectId,
        principalType: type,
        principalName: request.assignee,
        roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${role.id}`,
        roleDefinitionName: role.name,
        roleId: role.id,
        scope,
        createdOn: (deps.now?.() ?? new Date()).toISOString(),
        createdBy: by.actor,
      };
      await deps.repo.insert(KIND, { name }, assignment);
      await cache.changed();
      return assignment;
    },
    list: (filter = {}) => matching(filter),
    async delete(request) {
      let targets: RoleAssignment[];
      if (request.id !== undefined) {
        const key = request.id.split('/').pop()?.toLowerCase() ?? '';
        targets = (await all()).filter((a) => a.name.toLowerCase() === key);
        if (targets.length === 0) throw new NotFoundError(`Role assignment '${request.id}' does not exist.`);
      } else {
        if (request.assignee === undefined && request.role === undefined && request.scope === undefined) {
          throw new ValidationError(
            'Say which assignments to delete: give --ids, or --assignee with --role and/or --scope.',
            'assignee',
          );
        }
        targets = await matching(request);
      }
      try {
        for (const a of targets) await deps.repo.remove(KIND, { name: a.name });
      } finally {
        // Even when a removal failed halfway: those done must stop working everywhere.
        await cache.changed();
      }
      return targets;
    },
    async forPrincipal(objectId) {
      const who = objectId.toLowerCase();
      return (await all()).filter((a) => a.principalId.toLowerCase() === who);
    },
    async removePrincipal(objectId) {
      try {
        for (const a of await this.forPrincipal(objectId)) await deps.repo.remove(KIND, { name: a.name });
      } finally {
        await cache.changed();
      }
    },
  };
}
