/**
 * Readings of definition values that real exports write loosely (spec §1.1, §1.3, §1.4): booleans as the
 * strings "true"/"false", type names in any case, numbers as numeric strings. The loader keeps the raw
 * JSON; the validator and the runner read it through these so both accept exactly the same inputs.
 */
import type { ExpressionObject } from './model.ts';
import { isJsonObject } from './json-text.ts';

/** `{"value": "...", "type": "Expression"}` (the `type` compared ignoring case). */
export function isExpressionObject(value: unknown): value is ExpressionObject {
  return (
    isJsonObject(value) &&
    typeof value['value'] === 'string' &&
    typeof value['type'] === 'string' &&
    value['type'].toLowerCase() === 'expression'
  );
}

/** A plain string the runner evaluates as an expression: starts with `@` (not `@@`) or contains `@{`. */
export function isExpressionString(value: unknown): value is string {
  return (
    typeof value === 'string' && ((value.startsWith('@') && !value.startsWith('@@')) || value.includes('@{'))
  );
}

/** Either form of dynamic content: its value is known only at run time. */
export function isDynamic(value: unknown): boolean {
  return isExpressionObject(value) || isExpressionString(value);
}

/** true/false, or the strings "true"/"false" in any case; undefined for anything else. */
export function readBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

/** An integer, or a string holding one ("120"); undefined for anything else. */
export function readInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

export const PARAMETER_TYPES = ['String', 'Int', 'Float', 'Bool', 'Array', 'Object', 'SecureString'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

/** Declared variable types accepted (REST has String, Bool, Array; Studio also writes Integer and Boolean). */
export const VARIABLE_TYPES = ['String', 'Bool', 'Boolean', 'Integer', 'Int', 'Float', 'Array'] as const;

/** The canonical parameter type for a type name in any case; undefined when it is not one. */
export function canonicalParameterType(type: unknown): ParameterType | undefined {
  if (typeof type !== 'string') return undefined;
  return PARAMETER_TYPES.find((known) => known.toLowerCase() === type.toLowerCase());
}

export type VariableKind = 'String' | 'Bool' | 'Int' | 'Float' | 'Array';

/** What a declared variable holds, folding synonyms (Boolean → Bool, Integer → Int); undefined if unknown. */
export function variableKind(type: unknown): VariableKind | undefined {
  if (typeof type !== 'string') return undefined;
  switch (type.toLowerCase()) {
    case 'string':
      return 'String';
    case 'bool':
    case 'boolean':
      return 'Bool';
    case 'int':
    case 'integer':
      return 'Int';
    case 'float':
      return 'Float';
    case 'array':
      return 'Array';
    default:
      return undefined;
  }
}
