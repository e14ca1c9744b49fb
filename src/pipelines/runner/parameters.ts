/**
 * Resolves the parameters of a run (spec §1.3): supplied values override defaults, a parameter with neither
 * stops the run from being created, and values typed on a command line arrive as text and are converted
 * to the declared type. SecureString names are reported so records can mask their values.
 */
import type { DeclaredValue } from '../definition/model.ts';

export type ParameterType = 'String' | 'Int' | 'Float' | 'Bool' | 'Array' | 'Object' | 'SecureString';

const TYPE_NAMES: Record<string, ParameterType> = {
  string: 'String',
  int: 'Int',
  integer: 'Int',
  float: 'Float',
  bool: 'Bool',
  boolean: 'Bool',
  array: 'Array',
  object: 'Object',
  securestring: 'SecureString',
};

/** A run cannot be created with these parameters: a missing required value, an unknown name, bad text. */
export class ParameterError extends Error {
  readonly parameterName: string;
  constructor(parameterName: string, message: string) {
    super(message);
    this.name = 'ParameterError';
    this.parameterName = parameterName;
  }
}

export function parameterType(declared: string | undefined): ParameterType | undefined {
  return declared === undefined ? undefined : TYPE_NAMES[declared.toLowerCase()];
}

/** Converts command-line text to the declared type (`"120"` → 120, `"true"` → true, JSON for Array/Object). */
export function coerceParameterText(name: string, declaredType: string | undefined, text: string): unknown {
  const type = parameterType(declaredType);
  const fail = (): never => {
    throw new ParameterError(
      name,
      `The value '${text}' of parameter '${name}' is not a valid ${type ?? 'value'}.`,
    );
  };
  switch (type) {
    case 'Int':
      return /^[+-]?\d+$/.test(text.trim()) ? Number(text) : fail();
    case 'Float': {
      const value = Number(text);
      return text.trim() !== '' && Number.isFinite(value) ? value : fail();
    }
    case 'Bool': {
      const lower = text.trim().toLowerCase();
      return lower === 'true' ? true : lower === 'false' ? false : fail();
    }
    case 'Array':
    case 'Object': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return fail();
      }
      const isArray = Array.isArray(parsed);
      const fits = type === 'Array' ? isArray : parsed !== null && typeof parsed === 'object' && !isArray;
      return fits ? parsed : fail();
    }
    default:
      return text;
  }
}

export interface ResolvedParameters {
  values: Record<string, unknown>;
  /** Names of SecureString parameters, whose values must not appear in records. */
  secureNames: string[];
}

function findSupplied(supplied: Record<string, unknown>, name: string): { value: unknown } | undefined {
  if (Object.hasOwn(supplied, name)) return { value: supplied[name] };
  const lower = name.toLowerCase();
  const match = Object.keys(supplied).find((k) => k.toLowerCase() === lower);
  return match === undefined ? undefined : { value: supplied[match] };
}

/**
 * Declared parameters with supplied values or defaults. `fromText` converts supplied strings to the declared
 * types. Throws ParameterError for a missing required value or a name the pipeline does not declare.
 */
export function resolveParameters(
  declared: Record<string, DeclaredValue> | undefined,
  supplied: Record<string, unknown> = {},
  options: { fromText?: boolean } = {},
): ResolvedParameters {
  const specs = declared ?? {};
  const declaredLower = new Set(Object.keys(specs).map((n) => n.toLowerCase()));
  for (const name of Object.keys(supplied)) {
    if (!declaredLower.has(name.toLowerCase())) {
      throw new ParameterError(name, `The pipeline has no parameter named '${name}'.`);
    }
  }
  const values: Record<string, unknown> = {};
  const secureNames: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    if (parameterType(spec.type) === 'SecureString') secureNames.push(name);
    const given = findSupplied(supplied, name);
    if (given !== undefined && given.value !== undefined) {
      values[name] =
        options.fromText === true && typeof given.value === 'string'
          ? coerceParameterText(name, spec.type, given.value)
          : given.value;
    } else if (spec.defaultValue !== undefined) {
      values[name] = spec.defaultValue;
    } else {
      throw new ParameterError(name, `No value was provided for the required parameter '${name}'.`);
    }
  }
  return { values, secureNames };
}
