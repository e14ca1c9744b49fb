/**
 * The parameters of `pipeline run`: `--parameters` gives a JSON object (inline or `@file.json`) whose
 * values keep their JSON types, and each `--param name=value` adds or replaces one value typed on the
 * command line. Text values are sent with `textParameters=true` so the server converts them to the
 * declared parameter types, which only it knows.
 */
import { CliError } from '../../client.ts';

export interface RunParameterOptions {
  param?: string[] | undefined;
  parameters?: string | undefined;
}

export interface RunParameters {
  values: Record<string, unknown>;
  /** True when some values are command-line text the server must convert. */
  asText: boolean;
}

function usage(message: string): CliError {
  return new CliError(message, { exitCode: 2 });
}

/** Reads `--parameters`: inline JSON, or `@path` to a JSON file read through `readText`. */
function parseParametersArgument(
  argument: string,
  readText: (path: string) => string,
): Record<string, unknown> {
  const fromFile = argument.startsWith('@');
  const where = fromFile ? `--parameters file ${argument.slice(1)}` : '--parameters';
  let text: string;
  try {
    text = fromFile ? readText(argument.slice(1)) : argument;
  } catch (error) {
    throw usage(`Cannot read the ${where}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw usage(
      `The ${where} is not valid JSON (${(error as Error).message}); give an object such as {"name": "value"}.`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw usage(`The ${where} must be a JSON object of parameter values, such as {"name": "value"}.`);
  }
  return parsed as Record<string, unknown>;
}

/** Splits `name=value` at the first `=`; the value may itself contain `=` or be empty. */
export function parseParamAssignment(assignment: string): [string, string] {
  const at = assignment.indexOf('=');
  const name = at < 0 ? '' : assignment.slice(0, at).trim();
  if (name === '') {
    throw usage(`--param takes name=value, got '${assignment}'.`);
  }
  return [name, assignment.slice(at + 1)];
}

export function parseRunParameters(
  options: RunParameterOptions,
  readText: (path: string) => string,
): RunParameters {
  const values =
    options.parameters === undefined ? {} : parseParametersArgument(options.parameters, readText);
  const assignments = options.param ?? [];
  for (const assignment of assignments) {
    const [name, value] = parseParamAssignment(assignment);
    values[name] = value;
  }
  return { values, asText: assignments.length > 0 };
}
