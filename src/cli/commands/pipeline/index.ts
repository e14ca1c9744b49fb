/**
 * `nightshift pipeline ...`: Data Factory pipelines on a Nightshift server, imported from the files Data
 * Factory, Synapse and Fabric produce (or from a shipped template), run with parameters, followed live,
 * and inspected through their run and activity run records; and the linked services and datasets their
 * Copy and Get Metadata activities move data with.
 */
import type { Command } from 'commander';
import { registerDefinitionCommands } from './definition-commands.ts';
import { registerRunCommands } from './run-commands.ts';
import { registerFactoryDataCommands } from './factory-data-commands.ts';
import { registerTriggerCommands } from './trigger-commands.ts';

export function registerPipelineCommands(program: Command): Command {
  const group = program
    .command('pipeline')
    .description('Import, run and follow Data Factory pipelines (Data Factory REST shapes).');
  registerDefinitionCommands(group);
  registerRunCommands(group);
  registerFactoryDataCommands(group);
  registerTriggerCommands(group);
  return group;
}
