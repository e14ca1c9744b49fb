/**
 * Identity and access commands in az's shape: `login`/`logout`, `account get-access-token`, `ad sp`,
 * `identity`, `role assignment`, `role definition` and `audit list`.
 */
import type { Command } from 'commander';

export function registerAccessCommands(_program: Command): void {
  // Filled in by the access command modules.
}
