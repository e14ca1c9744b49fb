/**
 * What the signed-in principal may do here, at a glance: the names of its roles on the workspace beside
 * "Signed in as", and, when it may not even see the workspace (someone just signed in through an external
 * issuer and has no role yet), the server's refusal as a message with what to ask for, instead of pages
 * that all fail. Both read the same permissions query `usePermission` reads, so nothing is fetched twice.
 */
import { useArm, type ArmList } from '../../api/context.ts';
import { ErrorMessage } from '../status.tsx';

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

const PERMISSIONS = '/providers/Microsoft.Authorization/permissions';

function key(set: PermissionSet): string {
  const sorted = (list: string[]) => [...list].map((a) => a.toLowerCase()).sort();
  return JSON.stringify([set.actions, set.notActions, set.dataActions, set.notDataActions].map(sorted));
}

/** The names of the caller's roles at the workspace, as text ("Reader, Batch Endpoint Invoker"). */
export function YourRoles() {
  const mine = useArm<ArmList<PermissionSet>>(PERMISSIONS);
  const roles = useArm<ArmList<RoleDefinition>>('//nightshift/roleDefinitions');
  if (mine.error !== null && mine.error.status === 403) {
    return (
      <span className="muted roles" title="Your roles on this workspace">
        no role here
      </span>
    );
  }
  if (mine.data === undefined || roles.data === undefined) return null;
  const held = new Set(mine.data.value.map(key));
  const names = roles.data.value
    .filter((r) => r.permissions.some((set) => held.has(key(set))))
    .map((r) => r.roleName);
  if (names.length === 0) return null;
  return (
    <span className="muted roles" title="Your roles on this workspace">
      {names.join(', ')}
    </span>
  );
}

/** The refusal, when the caller may not see the workspace at all. */
export function AccessNotice() {
  const mine = useArm<ArmList<PermissionSet>>(PERMISSIONS);
  if (mine.error?.status !== 403) return null;
  return (
    <div className="access-notice">
      <ErrorMessage error={mine.error} />
      <p className="muted">
        You are signed in, but have no role on this workspace. Ask one of its Owners to assign you a role
        (Reader to look around); the pages below will refuse until then.
      </p>
    </div>
  );
}
