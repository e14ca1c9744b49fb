/**
 * What the signed-in principal may do, so the studio disables an action it would be refused and names
 * the role it lacks. Read from Azure's permissions API at the workspace or an endpoint (the roles that
 * reach that scope) and matched the way Azure matches: a pattern's `*` is any run of characters, case is
 * ignored, and a `notActions` match takes the action away. The role names come from the role definitions
 * when the principal may read them; otherwise the message names the action. The server still checks
 * every call; this only spares people a click that would fail.
 */
import { useArm, type ArmList } from './context.ts';

interface PermissionSet {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

interface RoleDefinition {
  roleName: string;
  permissions: PermissionSet[];
}

export interface Permission {
  /** undefined while the answer is loading (or could not be read): leave the control enabled. */
  allowed: boolean | undefined;
  /** Why it is disabled, naming the roles that would allow it. */
  reason: string | undefined;
}

function matches(pattern: string, action: string): boolean {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i').test(action);
}

function grants(set: PermissionSet, action: string, kind: 'action' | 'dataAction'): boolean {
  const [allowed, denied] =
    kind === 'dataAction' ? [set.dataActions, set.notDataActions] : [set.actions, set.notActions];
  return allowed.some((p) => matches(p, action)) && !denied.some((p) => matches(p, action));
}

/**
 * Whether the caller may perform `action` in the workspace, or at `endpoint` when one is named (roles
 * assigned on that endpoint count there). `kind: 'dataAction'` for file contents and job outputs.
 */
export function usePermission(
  action: string,
  options: { endpoint?: string | undefined; kind?: 'action' | 'dataAction' } = {},
): Permission {
  const scope =
    options.endpoint === undefined ? '' : `/batchEndpoints/${encodeURIComponent(options.endpoint)}`;
  const mine = useArm<ArmList<PermissionSet>>(`${scope}/providers/Microsoft.Authorization/permissions`);
  const roles = useArm<ArmList<RoleDefinition>>('//nightshift/roleDefinitions');
  const kind = options.kind ?? 'action';
  // Refused even the question: no role reaches this scope (someone signed in through an external issuer
  // before anyone assigned them one), so every action here would be refused too.
  if (mine.error?.status === 403) {
    return {
      allowed: false,
      reason: `Needs a role on this ${scope === '' ? 'workspace' : 'endpoint'} (${action}).`,
    };
  }
  if (mine.data === undefined) return { allowed: undefined, reason: undefined };
  if (mine.data.value.some((set) => grants(set, action, kind))) return { allowed: true, reason: undefined };
  const names = (roles.data?.value ?? [])
    .filter((r) => r.permissions.some((set) => grants(set, action, kind)))
    .map((r) => r.roleName);
  const which = names.length === 0 ? 'a role that grants it' : `one of the roles ${names.join(', ')}`;
  return { allowed: false, reason: `Needs ${which} (${action}).` };
}
