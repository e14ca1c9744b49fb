/**
 * The `nightshift` command line, in the shape of `az ml`: command groups per resource, `-o` output
 * formats, `--query` JMESPath, `--server` to pick the service. Errors go to stderr with a non-zero exit.
 */
import { Command, CommanderError } from 'commander';
import { DomainError } from '../core/errors.ts';
import { CliError } from './client.ts';
import { commandNamed, registerListing } from './command-table.ts';

/**
 * The program with only the command being run loaded (see command-table.ts); without one (`--help`, no
 * arguments, an unknown word) every command is listed by name, which is all help and suggestions need.
 */
async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = new Command('nightshift')
    .description('Nightshift: self-hosted batch inference with Azure ML batch endpoint contracts.')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    // Program-level options stop at the subcommand, so `model show --version 2` means the model version
    // and not the program's --version.
    .enablePositionalOptions();
  const command = commandNamed(args);
  if (command) await command.register(program);
  else registerListing(program);
  return program;
}

/** Commander's own exits that are not usage errors: help and version shown. */
const COMMANDER_NOT_USAGE = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

function report(error: unknown): number {
  // Commander has printed its message (the flag, "add --help for usage"); a usage error exits 2, as
  // az's and the CLI's own ("the following arguments are required") do.
  if (error instanceof CommanderError) return COMMANDER_NOT_USAGE.has(error.code) ? error.exitCode : 2;
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
  await (await buildProgram(process.argv.slice(2))).parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error);
}
