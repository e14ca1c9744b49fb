/**
 * The `nightshift` command line, in the shape of `az ml`: command groups per resource, `-o` output
 * formats, `--query` JMESPath, `--server` to pick the service. Errors go to stderr with a non-zero exit.
 */
import { Command, CommanderError } from 'commander';
import { DomainError } from '../core/errors.ts';
import { CliError } from './client.ts';
import { registerServe } from './commands/serve.ts';
import { registerResourceCommands } from './commands/index.ts';
import { registerInvokeCommands } from './commands/invoke.ts';
import { registerJobCommands } from './commands/job.ts';
import { registerDemo } from './commands/demo.ts';
import { registerAccessCommands } from './commands/access/index.ts';
import { registerPipelineCommands } from './commands/pipeline/index.ts';

function buildProgram(): Command {
  const program = new Command('nightshift')
    .description('Nightshift: self-hosted batch inference with Azure ML batch endpoint contracts.')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerServe(program);
  const groups = registerResourceCommands(program);
  registerInvokeCommands(groups);
  registerJobCommands(program);
  registerDemo(program);
  registerAccessCommands(program);
  registerPipelineCommands(program);
  return program;
}

function report(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode;
  if (error instanceof CliError) {
    process.stderr.write(`ERROR: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof DomainError) {
    process.stderr.write(`ERROR: ${error.message}\n`);
    return 1;
  }
  const err = error as Error;
  process.stderr.write(`ERROR: ${err.message}\n`);
  if (process.env.NIGHTSHIFT_DEBUG) process.stderr.write(`${err.stack ?? ''}\n`);
  return 1;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error);
}
