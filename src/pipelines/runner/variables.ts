/**
 * Pipeline variables (spec §1.4): declared with a type, defaulting by type when no default is given, shared
 * by every scope of the run, and type-checked on every SetVariable and AppendVariable. Values are replaced,
 * never mutated, so an output that captured an array keeps showing what it saw.
 */
import type { DeclaredValue } from '../definition/model.ts';
import { ActivityFailure } from './activity-failure.ts';

export type VariableType = 'String' | 'Boolean' | 'Integer' | 'Float' | 'Array';

const TYPE_NAMES: Record<string, VariableType> = {
  string: 'String',
  bool: 'Boolean',
  boolean: 'Boolean',
  int: 'Integer',
  integer: 'Integer',
  float: 'Float',
  array: 'Array',
};

/** The canonical type for a declared type name in any spelling; undefined for types we do not check. */
export function variableType(declared: string | undefined): VariableType | undefined {
  return declared === undefined ? undefined : TYPE_NAMES[declared.toLowerCase()];
}

function typeDefault(type: VariableType | undefined): unknown {
  switch (type) {
    case 'Boolean':
      return false;
    case 'Integer':
    case 'Float':
      return 0;
    case 'Array':
      return [];
    default:
      return '';
  }
}

/** The type name a value shows in type-mismatch messages. */
export function valueTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'Null';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  if (typeof value === 'bigint') return 'Integer';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'Float';
  if (Array.isArray(value)) return 'Array';
  return 'Object';
}

function accepts(type: VariableType | undefined, value: unknown): boolean {
  switch (type) {
    case undefined:
      return value !== undefined;
    case 'String':
      return typeof value === 'string';
    case 'Boolean':
      return typeof value === 'boolean';
    case 'Integer':
      return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
    case 'Float':
      return typeof value === 'number' || typeof value === 'bigint';
    case 'Array':
      return Array.isArray(value);
  }
}

interface Variable {
  readonly name: string;
  readonly type: VariableType | undefined;
  value: unknown;
}

export class VariableStore {
  readonly #variables = new Map<string, Variable>();

  constructor(declared: Record<string, DeclaredValue> | undefined) {
    for (const [name, spec] of Object.entries(declared ?? {})) {
      const type = variableType(spec.type);
      const value = spec.defaultValue === undefined ? typeDefault(type) : spec.defaultValue;
      this.#variables.set(name, { name, type, value });
    }
  }

  /** Current value; undefined when no such variable is declared. Names match exactly, then ignoring case. */
  get(name: string): { value: unknown } | undefined {
    const variable = this.#find(name);
    return variable === undefined ? undefined : { value: variable.value };
  }

  /** Assigns after checking the declared type; throws ActivityFailure (UserError) on a mismatch. */
  set(name: string, value: unknown): void {
    const variable = this.#require(name);
    if (!accepts(variable.type, value)) {
      const type = variable.type ?? 'Any';
      throw new ActivityFailure(
        'InvalidVariableType',
        `The variable '${variable.name}' of type '${type}' cannot be initialized or updated with value of type ` +
          `'${valueTypeName(value)}'. The variable '${variable.name}' only supports values of types '${type}'.`,
      );
    }
    variable.value = value;
  }

  /** Appends one element (arrays are not flattened) to an Array variable. */
  append(name: string, value: unknown): void {
    const variable = this.#require(name);
    if (variable.type !== 'Array' || !Array.isArray(variable.value)) {
      throw new ActivityFailure(
        'InvalidVariableType',
        `AppendVariable needs a variable of type 'Array', but '${variable.name}' is of type '${variable.type ?? 'Any'}'.`,
      );
    }
    variable.value = [...(variable.value as unknown[]), value];
  }

  #find(name: string): Variable | undefined {
    const exact = this.#variables.get(name);
    if (exact) return exact;
    const lower = name.toLowerCase();
    for (const variable of this.#variables.values())
      if (variable.name.toLowerCase() === lower) return variable;
    return undefined;
  }

  #require(name: string): Variable {
    const variable = this.#find(name);
    if (variable === undefined) {
      throw new ActivityFailure(
        'VariableNotFound',
        `The variable '${name}' is not declared in the pipeline.`,
      );
    }
    return variable;
  }
}
