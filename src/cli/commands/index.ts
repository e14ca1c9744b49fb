/**
 * Registers the resource command groups (batch-endpoint, batch-deployment, model, data, datastore,
 * environment) and returns them, so later commands (invoke, list-jobs, ...) can be added to a group.
 */
import type { Command } from 'commander';
import { registerBatchDeploymentCommands } from './batch-deployment.ts';
import { registerBatchEndpointCommands } from './batch-endpoint.ts';
import { registerDataCommands } from './data.ts';
import { registerDatastoreCommands } from './datastore.ts';
import { registerEnvironmentCommands } from './environment.ts';
import { registerModelCommands } from './model.ts';

export interface ResourceCommandGroups {
  batchEndpoint: Command;
  batchDeployment: Command;
  model: Command;
  data: Command;
  datastore: Command;
  environment: Command;
}

export function registerResourceCommands(program: Command): ResourceCommandGroups {
  // Program-level options stop at the subcommand, so `model show --version 2` means the model version and
  // not the program's --version.
  program.enablePositionalOptions();
  return {
    batchEndpoint: registerBatchEndpointCommands(program),
    batchDeployment: registerBatchDeploymentCommands(program),
    model: registerModelCommands(program),
    data: registerDataCommands(program),
    datastore: registerDatastoreCommands(program),
    environment: registerEnvironmentCommands(program),
  };
}
