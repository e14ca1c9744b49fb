/**
 * What every resource command shares, in the shape of `az ml`: the common options (`--server`,
 * `-o/--output`, `--query`, and `-g/-w`, accepted so pasted az commands run), the one way a command's
 * result becomes printed text, ARM list paging, delete confirmation and the `--file`/`--set` pair of
 * create and update. Command groups build on `addResourceCommand` + `runAction`; so can later groups
 * (invoke, list-jobs, job ...), which is why none of this knows about a particular resource.
 */
import { createInterface } from 'node:readline/promises';
import { Help, Option, type Command } from 'commander';
import { CliError, createApiClient, type ApiClient } from '../client.ts';
import { resolveTokenSource, tokenCacheFile } from '../credentials.ts';
import { formatOutput, isOutputFormat, OUTPUT_FORMATS, type OutputFormat } from '../output/format-output.ts';
import type { TableSpec } from '../output/table.ts';

const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** az's colour-free aliases; Nightshift never colours output, so they print the same. */
const OUTPUT_ALIASES: Record<string, OutputFormat> = { jsonc: 'json', yamlc: 'yaml' };

/** The options `addCommonOptions` defines, as commander hands them to an action. */
export interface CommonOptions {
  server: string;
  output: string;
  query?: string;
  /** The server's data dir, where the local owner's credentials are. */
  dataDir?: string;
  /** Accepted for az compatibility and ignored: a Nightshift server hosts one workspace. */
  resourceGroup?: string;
  workspaceName?: string;
}

/** `--file` and `--set` of create and update commands. */
export interface SpecOptions {
  file?: string;
  set?: string[];
}

export interface CommandContext {
  client: ApiClient;
  /** The ARM path of the workspace the server hosts, e.g. `/subscriptions/.../workspaces/default`. */
  workspacePath(): Promise<string>;
}

const GLOBAL = 'Global Options:';

/** Adds the options every command has, listed under "Global Options" in help; returns the command. */
export function addCommonOptions(command: Command): Command {
  return command
    .configureHelp({ groupItems: globalGroupLast })
    .addOption(
      new Option('--server <url>', 'Nightshift server to talk to')
        .env('NIGHTSHIFT_SERVER')
        .default(DEFAULT_SERVER)
        .helpGroup(GLOBAL),
    )
    .addOption(
      new Option(
        '--data-dir <dir>',
        "the server's data dir, whose local owner credentials are used when you have not logged in",
      )
        .env('NIGHTSHIFT_DATA_DIR')
        .helpGroup(GLOBAL),
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices([...OUTPUT_FORMATS, ...Object.keys(OUTPUT_ALIASES)])
        .default('json')
        .helpGroup(GLOBAL),
    )
    .addOption(
      new Option('--query <jmespath>', 'JMESPath query applied to the result before printing').helpGroup(
        GLOBAL,
      ),
    )
    .addOption(
      new Option(
        '-g, --resource-group <name>',
        'accepted for az compatibility and ignored (one workspace per server)',
      ).helpGroup(GLOBAL),
    )
    .addOption(
      new Option(
        '-w, --workspace-name <name>',
        'accepted for az compatibility and ignored (one workspace per server)',
      ).helpGroup(GLOBAL),
    );
}

/** Prints the global options after the command's own ones, as az's help does. */
function globalGroupLast<T extends Command | Option>(
  unsorted: T[],
  visible: T[],
  getGroup: (item: T) => string,
): Map<string, T[]> {
  const groups = new Help().groupItems(unsorted, visible, getGroup);
  const global = groups.get(GLOBAL);
  if (global) {
    groups.delete(GLOBAL);
    groups.set(GLOBAL, global);
  }
  return groups;
}

/** Creates `group name` with the common options; the caller adds its own options and the action. */
export function addResourceCommand(group: Command, name: string, description: string): Command {
  return addCommonOptions(group.command(name).description(description));
}

/** Adds `-f/--file` and the repeatable `--set path=value` of create/update commands. */
export function addSpecOptions(command: Command, what: string): Command {
  return command
    .option('-f, --file <file>', `local YAML file with the ${what} specification`)
    .option(
      '--set <path=value...>',
      'override a field of the YAML file (or of the current resource, on update); repeatable',
    );
}

/** `--no-wait` is accepted because az scripts pass it; every Nightshift operation completes before returning. */
export function addNoWaitOption(command: Command): Command {
  return command.option(
    '--no-wait',
    'accepted for az compatibility; operations always complete before returning',
  );
}

export function outputFormat(options: Pick<CommonOptions, 'output'>): OutputFormat {
  const format = OUTPUT_ALIASES[options.output] ?? options.output;
  if (!isOutputFormat(format))
    throw new CliError(`Unknown output format '${options.output}'.`, { exitCode: 2 });
  return format;
}

/** Prints a command's result in the chosen format; undefined (a delete) prints nothing. */
export function printResult(value: unknown, options: CommonOptions, table?: TableSpec): void {
  const text = formatOutput(value, { output: outputFormat(options), query: options.query, table });
  if (text) process.stdout.write(text);
}

/**
 * Wraps a command handler for `.action()`: builds the API client from `--server`, runs the handler and
 * prints what it returns with the command's table columns. Errors propagate to main.ts, which prints them.
 */
export function runAction<O extends CommonOptions>(
  handler: (options: O, context: CommandContext) => Promise<unknown>,
  table?: TableSpec,
): (options: O) => Promise<void> {
  return async (options: O) => {
    outputFormat(options);
    const client = clientFor(options);
    const result = await handler(options, { client, workspacePath: () => client.workspacePath() });
    printResult(result, options, table);
  };
}

/** The API client for `--server`, with the credentials found for it (see credentials.ts). */
export function clientFor(options: { server: string; dataDir?: string | undefined }): ApiClient {
  return createApiClient(
    options.server,
    resolveTokenSource({
      server: options.server,
      env: process.env,
      dataDir: options.dataDir,
      tokenCache: tokenCacheFile(process.env),
    }),
  );
}

/** GETs an ARM list and follows `nextLink` until the last page. */
export async function listAll<T>(client: ApiClient, path: string): Promise<T[]> {
  const items: T[] = [];
  let next: string | null | undefined = path;
  while (next) {
    const page: { value?: T[]; nextLink?: string | null } = await client.request('GET', next);
    items.push(...(page.value ?? []));
    next = page.nextLink;
  }
  return items;
}

/** Encodes one path segment of a resource URL (a name or version). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

/** A required option, with az's wording when it is missing. */
export function requireOption(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') {
    throw new CliError(`the following arguments are required: ${flag}`, { exitCode: 2 });
  }
  return value;
}

/**
 * Asks before deleting, as az does, unless `--yes`. Without a terminal there is nobody to ask, so the
 * command fails and says how to confirm instead of waiting forever.
 */
export async function confirmDeletion(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) {
    throw new CliError(`${question} Pass --yes (-y) to confirm when not running interactively.`, {
      exitCode: 2,
    });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} (y/n): `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('Operation cancelled.', { exitCode: 1 });
  } finally {
    rl.close();
  }
}

/** True when a CliError is the server's 404 (the resource does not exist). */
export function isNotFound(error: unknown): boolean {
  return error instanceof CliError && error.status === 404;
}
