/**
 * Registers the resource command groups (batch-endpoint, batch-deployment, model, data, datastore,
 * environment).
 */
import type { Command } from 'commander';

export function registerResourceCommands(program: Command): void {
  void program;
}
