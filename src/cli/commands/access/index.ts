/**
 * Identity and access commands in az's shape: `login`/`logout`, `account get-access-token|show`, `ad sp`,
 * `identity`, `role assignment`, `role definition` and `audit list`. The commands about the caller's own
 * credentials need the environment (where the saved login and NIGHTSHIFT_ACCESS_TOKEN live); it is read
 * here, at the CLI's edge, and handed down.
 */
import type { Command } from 'commander';
import { registerAccountCommands } from './account-commands.ts';
import { registerAuditCommands } from './audit-commands.ts';
import type { AccessEnv } from './credential-action.ts';
import { registerIdentityCommands } from './identity-commands.ts';
import { registerLoginCommands } from './login-commands.ts';
import { registerRoleCommands } from './role-commands.ts';
import { registerServicePrincipalCommands } from './service-principal-commands.ts';

export function registerAccessCommands(program: Command, env: AccessEnv = process.env): void {
  registerLoginCommands(program, env);
  registerAccountCommands(program, env);
  registerServicePrincipalCommands(program);
  registerIdentityCommands(program);
  registerRoleCommands(program);
  registerAuditCommands(program);
}
