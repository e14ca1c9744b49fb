/**
 * Azure's "Permissions - List For Resource": what the caller may do at a scope, as the union of the roles
 * that reach it (`actions`, `notActions`, `dataActions`, `notDataActions` per role). The studio reads it
 * to disable what the signed-in principal may not do and name the missing role, instead of letting a
 * click end in a 403; every call is still checked by the server as before. Asking needs only the right to
 * see the workspace, since it tells the caller about itself alone.
 */
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ACTIONS } from '../../auth/rbac/actions.ts';
import { rolesAt } from '../../auth/rbac/authorize.ts';
import type { RoleAssignmentService } from '../../auth/role-assignments.ts';
import { workspaceId, type WorkspaceRef } from '../../core/workspace.ts';
import { WS } from '../context.ts';
import { defineRoute, type RouteSpec } from '../route-table.ts';
import { valueList, wsParams } from '../schemas.ts';

export interface PermissionRouteServices {
  workspace: WorkspaceRef;
  assignments: RoleAssignmentService;
  /** 'none': every caller is the local actor with every right (serve --auth none). */
  mode: 'token' | 'none';
}

const PermissionSet = Type.Object({
  actions: Type.Array(Type.String()),
  notActions: Type.Array(Type.String()),
  dataActions: Type.Array(Type.String()),
  notDataActions: Type.Array(Type.String()),
});

const EVERYTHING = { actions: ['*'], notActions: [], dataActions: ['*'], notDataActions: [] };

async function permissionsAt(s: PermissionRouteServices, request: FastifyRequest, scope: string) {
  if (s.mode === 'none') return { value: [EVERYTHING] };
  const principal = request.principal;
  if (principal === undefined) return { value: [] };
  const assignments = await s.assignments.forPrincipal(principal.objectId);
  const roles = rolesAt(assignments, principal.objectId, scope);
  return {
    value: roles.map((r) => ({
      actions: [...r.actions],
      notActions: [...r.notActions],
      dataActions: [...r.dataActions],
      notDataActions: [...r.notDataActions],
    })),
  };
}

export function permissionRoutes(s: PermissionRouteServices): RouteSpec[] {
  const ws = () => workspaceId(s.workspace).replace(/\/+$/, '');
  const tags = ['access'];
  const responses = { 200: valueList(PermissionSet) };
  return [
    defineRoute({
      method: 'GET',
      url: `${WS}/providers/Microsoft.Authorization/permissions`,
      summary: 'What the caller may do in the workspace',
      tags,
      access: { action: ACTIONS.workspaceRead, scope: 'workspace' },
      params: wsParams({}),
      responses,
      handler: (req) => permissionsAt(s, req, ws()),
    }),
    defineRoute({
      method: 'GET',
      url: `${WS}/batchEndpoints/:endpoint/providers/Microsoft.Authorization/permissions`,
      summary: 'What the caller may do at a batch endpoint',
      tags,
      access: { action: ACTIONS.workspaceRead, scope: 'endpoint' },
      params: wsParams({ endpoint: Type.String() }),
      responses,
      handler: (req) => permissionsAt(s, req, `${ws()}/batchEndpoints/${req.params.endpoint}`),
    }),
  ];
}
