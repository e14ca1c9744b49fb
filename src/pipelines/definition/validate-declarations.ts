/**
 * Pipeline-level rules: the name (at most 140 characters; the characters Data Factory's REST API allows in
 * a pipeline name, which also keeps it safe in our URLs), declared parameters and variables with type
 * names from the tolerant sets of spec §1.3/§1.4 in any case, and `concurrency` of at least 1. Default
 * values are not checked against their type, as the service does not check them either.
 */
import { isJsonObject } from './json-text.ts';
import {
  PARAMETER_TYPES,
  VARIABLE_TYPES,
  canonicalParameterType,
  readInteger,
  variableKind,
  type VariableKind,
} from './lenient-values.ts';
import { oneOf, shown, type ProblemSink } from './validation-context.ts';

const MAX_PIPELINE_NAME = 140;
/** REST `pipelineName` pattern: a letter, digit or underscore first; none of `< > * # . % & : \ + ? /`. */
const PIPELINE_NAME = /^[A-Za-z0-9_][^<>*#.%&:\\+?/]*$/;

export function checkPipelineName(name: unknown, sink: ProblemSink): void {
  if (typeof name !== 'string' || name === '') {
    sink.pipeline('name', 'The pipeline has no name: set "name".');
    return;
  }
  if (name.length > MAX_PIPELINE_NAME) {
    sink.pipeline(
      'name',
      `The pipeline name '${name}' is ${name.length} characters long; pipeline names have at most ${MAX_PIPELINE_NAME}.`,
    );
  }
  if (!PIPELINE_NAME.test(name)) {
    sink.pipeline(
      'name',
      `The pipeline name '${name}' is not allowed: start with a letter, digit or '_', and do not use < > * # . % & : \\ + ? /.`,
    );
  }
}

/** Declared parameters; returns their names. */
export function checkParameters(parameters: unknown, sink: ProblemSink): string[] {
  return checkDeclarations(
    parameters,
    'parameters',
    sink,
    (type) => canonicalParameterType(type) !== undefined,
    PARAMETER_TYPES,
  );
}

/** Declared variables; returns each name with what it holds. */
export function checkVariables(variables: unknown, sink: ProblemSink): Map<string, VariableKind | undefined> {
  const names = checkDeclarations(
    variables,
    'variables',
    sink,
    (type) => variableKind(type) !== undefined,
    VARIABLE_TYPES,
  );
  const declared = isJsonObject(variables) ? variables : {};
  return new Map(
    names.map((name) => {
      const entry = declared[name];
      return [name, variableKind(isJsonObject(entry) ? entry['type'] : undefined)] as const;
    }),
  );
}

function checkDeclarations(
  declarations: unknown,
  property: 'parameters' | 'variables',
  sink: ProblemSink,
  knownType: (type: unknown) => boolean,
  types: readonly string[],
): string[] {
  if (declarations === undefined) return [];
  if (!isJsonObject(declarations)) {
    sink.pipeline(
      property,
      `properties.${property} must be an object of {"<name>": {"type": ..., "defaultValue": ...}}.`,
    );
    return [];
  }
  const kind = property === 'parameters' ? 'Parameter' : 'Variable';
  for (const [name, declaration] of Object.entries(declarations)) {
    const path = `${property}.${name}`;
    const type = isJsonObject(declaration) ? declaration['type'] : undefined;
    if (type === undefined) {
      sink.pipeline(`${path}.type`, `${kind} '${name}' has no type: set "type" to one of ${oneOf(types)}.`);
    } else if (!knownType(type)) {
      sink.pipeline(
        `${path}.type`,
        `${kind} '${name}' has type ${shown(type)}; use one of ${oneOf(types)} (any case).`,
      );
    }
  }
  return Object.keys(declarations);
}

export function checkConcurrency(concurrency: unknown, sink: ProblemSink): void {
  if (concurrency === undefined) return;
  const value = readInteger(concurrency);
  if (value === undefined || value < 1) {
    sink.pipeline(
      'concurrency',
      `properties.concurrency is ${shown(concurrency)}; use an integer of at least 1 (the most runs at once).`,
    );
  }
}
