/**
 * The local user's owner identity, so a server on one machine needs no login ceremony: at first start a
 * service principal standing for the OS user is made, given Owner on the workspace, and its credentials
 * are written to `credentials.json` in the data dir (mode 0600: readable by that user only). The CLI, the
 * demo and the tests read that file and get tokens the documented way, through the token endpoint, so the
 * local path exercises the same checks as everyone else's.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { IdentityService } from './identity-service.ts';
import { anonymousPrincipal } from './principal.ts';
import type { RoleAssignmentService } from './role-assignments.ts';
import { OWNER } from './rbac/roles.ts';
import { DEFAULT_TENANT } from './tokens/discovery.ts';

const CREDENTIALS_FILE = 'credentials.json';

export interface LocalCredentials {
  tenant: string;
  clientId: string;
  clientSecret: string;
  /** The OS user the identity stands for. */
  user: string;
}

export function readLocalCredentials(dataDir: string): LocalCredentials | undefined {
  const file = join(dataDir, CREDENTIALS_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalCredentials>;
    if (typeof value.clientId !== 'string' || typeof value.clientSecret !== 'string') return undefined;
    return {
      tenant: typeof value.tenant === 'string' ? value.tenant : DEFAULT_TENANT,
      clientId: value.clientId,
      clientSecret: value.clientSecret,
      user: typeof value.user === 'string' ? value.user : '',
    };
  } catch {
    return undefined;
  }
}

/** Makes the owner identity and its credential file unless both exist; returns the credentials. */
export async function ensureLocalOwner(deps: {
  dataDir: string;
  user: string;
  tenant: string;
  workspaceArmId: string;
  identities: IdentityService;
  assignments: RoleAssignmentService;
}): Promise<LocalCredentials> {
  const existing = readLocalCredentials(deps.dataDir);
  if (existing) {
    const principal = await deps.identities.getServicePrincipal(existing.clientId).catch(() => undefined);
    if (principal) return existing;
  }
  // No owner: it is the root of trust, made by the server itself, not by a principal.
  const { principal, secret } = await deps.identities.createServicePrincipal(
    `${deps.user} (local owner)`,
    undefined,
    { localUser: deps.user },
  );
  await deps.assignments.create(
    { assignee: principal.appId, role: OWNER.name, scope: deps.workspaceArmId },
    anonymousPrincipal('nightshift'),
  );
  const credentials: LocalCredentials = {
    tenant: deps.tenant,
    clientId: principal.appId,
    clientSecret: secret,
    user: deps.user,
  };
  const file = join(deps.dataDir, CREDENTIALS_FILE);
  // Written whole under another name first, so a reader never sees half a file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  chmodSync(`${file}.tmp`, 0o600); // a temp file left by a crash would keep its own mode
  renameSync(`${file}.tmp`, file);
  return credentials;
}
