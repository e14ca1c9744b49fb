/**
 * How the access commands print what the server answers: service principals as `az ad sp` shows them
 * (Graph's `id` is the object id), managed identities as `az identity` does (`principalId` is the object
 * id role assignments name), and the `-o table` columns of each list command. Role assignments, role
 * definitions and audit entries already come from the server in az's shape and print as they are.
 */
import type { TableSpec } from '../../output/table.ts';

/** A service principal as the server lists it (never with its secret). */
export interface ServicePrincipalRecord {
  appId: string;
  displayName: string;
  objectId: string;
  secretUpdatedAt: string;
  createdAt: string;
  localUser?: string;
}

/** The server's answer to create and reset: the principal plus its new secret, shown this once. */
export interface ServicePrincipalSecret extends ServicePrincipalRecord {
  password: string;
  tenant: string;
}

export interface ManagedIdentityRecord {
  name: string;
  clientId: string;
  objectId: string;
  createdAt: string;
}

export interface ServicePrincipalView {
  id: string;
  appId: string;
  displayName: string;
  servicePrincipalType: 'Application';
  createdDateTime: string;
  secretUpdatedDateTime: string;
  /** Set on the local owner: the OS user it stands for. */
  localUser?: string;
}

export interface ManagedIdentityView {
  id: string;
  name: string;
  type: 'Microsoft.ManagedIdentity/userAssignedIdentities';
  clientId: string;
  principalId: string;
  resourceGroup: string;
  createdAt: string;
}

export function servicePrincipalView(sp: ServicePrincipalRecord): ServicePrincipalView {
  return {
    id: sp.objectId,
    appId: sp.appId,
    displayName: sp.displayName,
    servicePrincipalType: 'Application',
    createdDateTime: sp.createdAt,
    secretUpdatedDateTime: sp.secretUpdatedAt,
    ...(sp.localUser === undefined ? {} : { localUser: sp.localUser }),
  };
}

/** `az ad sp create-for-rbac`'s answer: exactly these four fields. */
export function createdCredentialView(sp: ServicePrincipalSecret) {
  return { appId: sp.appId, displayName: sp.displayName, password: sp.password, tenant: sp.tenant };
}

/** `az ad sp credential reset`'s answer. */
export function resetCredentialView(sp: ServicePrincipalSecret) {
  return { appId: sp.appId, password: sp.password, tenant: sp.tenant };
}

/**
 * An identity with an ARM-style id in the workspace's resource group, where Azure would keep a user-assigned
 * identity, so scripts reading `--query id` or `resourceGroup` find the usual shape.
 */
export function managedIdentityView(mi: ManagedIdentityRecord, workspacePath: string): ManagedIdentityView {
  const group = /^(\/subscriptions\/[^/]+\/resourceGroups\/([^/]+))/i.exec(workspacePath);
  const prefix = group?.[1] ?? '';
  return {
    id: `${prefix}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${mi.name}`,
    name: mi.name,
    type: 'Microsoft.ManagedIdentity/userAssignedIdentities',
    clientId: mi.clientId,
    principalId: mi.objectId,
    resourceGroup: group?.[2] ?? '',
    createdAt: mi.createdAt,
  };
}

/** The credential warning az prints on stderr whenever it shows a new secret. */
export const CREDENTIAL_WARNING =
  'WARNING: The output includes credentials that you must protect. Be sure that you do not include these ' +
  'credentials in your code or check the credentials into your source control.\n';

function auditAction(entry: unknown): string {
  const { action, method, path } = entry as { action?: string; method?: string; path?: string };
  return action || `${method ?? ''} ${path ?? ''}`.trim();
}

export const ACCESS_TABLES = {
  servicePrincipal: [
    { header: 'DisplayName', path: 'displayName' },
    { header: 'Id', path: 'id' },
    { header: 'AppId', path: 'appId' },
    { header: 'CreatedDateTime', path: 'createdDateTime' },
  ],
  identity: [
    { header: 'Name', path: 'name' },
    { header: 'ClientId', path: 'clientId' },
    { header: 'PrincipalId', path: 'principalId' },
    { header: 'ResourceGroup', path: 'resourceGroup' },
  ],
  roleAssignment: [
    { header: 'Principal', path: 'principalName' },
    { header: 'Role', path: 'roleDefinitionName' },
    { header: 'Scope', path: 'scope' },
  ],
  roleDefinition: [
    { header: 'Name', path: 'roleName' },
    { header: 'Type', path: 'roleType' },
    { header: 'Description', path: 'description' },
  ],
  audit: [
    { header: 'Time', path: 'time' },
    { header: 'Principal', path: 'principalName' },
    // A call refused before any route matched has no action: its method and path say what it was.
    { header: 'Action', value: auditAction },
    { header: 'Status', path: 'status' },
    { header: 'Result', path: 'result' },
  ],
} as const satisfies Record<string, TableSpec>;
