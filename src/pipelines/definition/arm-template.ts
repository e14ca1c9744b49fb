/**
 * Pipelines inside an ARM template (Data Factory's "export template", template-gallery zips). Every
 * resource whose type ends in `/pipelines` (also nested under a factory resource) becomes one pipeline:
 * its name is the part of the resource name after the last `/`, and every ARM expression in its properties
 * is resolved from the ARM parameters given by the caller, the template's defaults, or else rejected.
 */
import {
  ArmExpressionError,
  evaluateArmExpression,
  isArmExpression,
  unescapeArmLiteral,
  type ArmScope,
} from './arm-expressions.ts';
import { PipelineDefinitionError, type DefinitionProblem } from './errors.ts';
import { isJsonObject } from './json-text.ts';
import { childPath } from './json-path.ts';

export function isArmTemplate(document: unknown): boolean {
  return isJsonObject(document) && Array.isArray(document['resources']);
}

/** True for a deployment parameters file (`{"$schema": ".../deploymentParameters.json#", "parameters"}`). */
export function isArmParametersFile(document: unknown): boolean {
  if (!isJsonObject(document)) return false;
  const schema = document['$schema'];
  return typeof schema === 'string' && /deploymentparameters/i.test(schema);
}

/** Parameter values from a deployment parameters file (`{parameters: {x: {value}}}`) or a plain map. */
function armParameterValues(source: unknown): Map<string, unknown> {
  const values = new Map<string, unknown>();
  if (!isJsonObject(source)) return values;
  const inner = source['parameters'];
  const fileForm = isJsonObject(inner) && Object.values(inner).every((entry) => isJsonObject(entry));
  for (const [name, entry] of Object.entries(fileForm ? inner : source)) {
    // A Key Vault `reference` has no value here: leave it out so the default or a clear error applies.
    if (!fileForm) values.set(name.toLowerCase(), entry);
    else if (isJsonObject(entry) && 'value' in entry) values.set(name.toLowerCase(), entry['value']);
  }
  return values;
}

function lookup(record: unknown, name: string): unknown {
  if (!isJsonObject(record)) return undefined;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : record[key];
}

function makeScope(
  template: Record<string, unknown>,
  supplied: Map<string, unknown>,
  lenient: boolean,
): ArmScope {
  const resolveValue = (value: unknown, depth: number): unknown => {
    if (depth > 20) throw new ArmExpressionError('parameters and variables refer to each other in a loop');
    if (typeof value !== 'string') return value;
    return isArmExpression(value)
      ? evaluateArmExpression(value, scopeAt(depth + 1))
      : unescapeArmLiteral(value);
  };
  const scopeAt = (depth: number): ArmScope => ({
    parameter(name) {
      const lower = name.toLowerCase();
      if (supplied.has(lower)) return supplied.get(lower);
      const declared = lookup(template['parameters'], name);
      if (isJsonObject(declared) && 'defaultValue' in declared)
        return resolveValue(declared['defaultValue'], depth);
      if (lenient) return `<${name}>`;
      throw new ArmExpressionError(
        `the ARM parameter '${name}' has no value: pass it in the ARM parameters (file) or give it a defaultValue`,
      );
    },
    variable(name) {
      const value = lookup(template['variables'], name);
      if (value === undefined)
        throw new ArmExpressionError(`the ARM template declares no variable '${name}'`);
      return resolveValue(value, depth);
    },
  });
  return scopeAt(0);
}

/** Resource name → pipeline name: `[concat(parameters('factoryName'), '/Name')]` gives `Name`. */
function pipelineNameFromResource(resourceName: string, lenientScope: ArmScope): string {
  let full = resourceName;
  if (isArmExpression(resourceName)) {
    try {
      full = String(evaluateArmExpression(resourceName, lenientScope));
    } catch {
      full = resourceName.replace(/'\)\]$/, '');
    }
  }
  return full.slice(full.lastIndexOf('/') + 1).replace(/'\)\]$/, '');
}

function pipelineResources(resources: unknown[]): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (const resource of resources) {
    if (!isJsonObject(resource)) continue;
    const type = resource['type'];
    if (typeof type === 'string' && /(^|\/)pipelines$/i.test(type)) found.push(resource);
    const nested = resource['resources'];
    if (Array.isArray(nested)) found.push(...pipelineResources(nested));
  }
  return found;
}

function resolveTree(value: unknown, path: string, scope: ArmScope, problems: DefinitionProblem[]): unknown {
  if (typeof value === 'string') {
    if (!isArmExpression(value)) return unescapeArmLiteral(value);
    try {
      return evaluateArmExpression(value, scope);
    } catch (error) {
      if (!(error instanceof ArmExpressionError)) throw error;
      problems.push({ property: path, message: `${path}: ${error.message}.` });
      return value;
    }
  }
  if (Array.isArray(value))
    return value.map((item, index) => resolveTree(item, childPath(path, index), scope, problems));
  if (!isJsonObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    result[key] = resolveTree(item, childPath(path, key), scope, problems);
  return result;
}

/** A pipeline as found in a container, before its shape is checked. */
export interface RawPipeline {
  name: string;
  properties: unknown;
}

/** Every pipeline in the template, with ARM expressions resolved; throws when one cannot be. */
export function pipelinesFromArmTemplate(
  template: Record<string, unknown>,
  fileName: string,
  armParameters?: unknown,
): RawPipeline[] {
  const supplied = armParameterValues(armParameters);
  const strict = makeScope(template, supplied, false);
  const lenient = makeScope(template, supplied, true);
  const problems: DefinitionProblem[] = [];
  const pipelines: RawPipeline[] = [];
  for (const resource of pipelineResources(template['resources'] as unknown[])) {
    const rawName = resource['name'];
    const name = typeof rawName === 'string' ? pipelineNameFromResource(rawName, lenient) : '';
    const before = problems.length;
    const properties = resolveTree(resource['properties'], 'properties', strict, problems);
    for (const problem of problems.slice(before)) {
      problem.message = `Pipeline '${name}' in ${fileName}, ${problem.message}`;
    }
    pipelines.push({ name, properties });
  }
  if (problems.length > 0) {
    throw PipelineDefinitionError.fromProblems(`The ARM template ${fileName}`, problems);
  }
  return pipelines;
}
