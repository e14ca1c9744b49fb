/**
 * Conversion functions (spec §3.5 "Conversion") other than the encodings and XML: array, createArray, bool,
 * int, float, string, json and coalesce. Parsing uses the invariant culture: `int('1.5')` is an error [I],
 * `float('1,000.5')` is 1000.5 as .NET's double.Parse allows thousands separators. int() of a float rounds
 * half to even like .NET's Convert.ToInt64 [I].
 */
import { ExpressionError } from '../contract.ts';
import { argumentTypeError, invalidArgumentError } from '../errors.ts';
import { JsonSyntaxError, parseJsonText } from '../json-parser.ts';
import { toDisplayString } from '../stringify.ts';
import { asBinary, isFloat, isInteger, makeFloat, makeInteger, toDouble, type Value } from '../values.ts';
import { isXmlBinary, xmlBinaryToJson } from '../xml/xml-json.ts';
import { eager, type FunctionDefinition } from './function-types.ts';

const NOT_CONVERTIBLE = 'The value cannot be converted to the target type.';
const INTEGER_TEXT = /^\s*[+-]?[0-9]+\s*$/;
const FLOAT_TEXT = /^\s*[+-]?(?:[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*$/;
const SPECIAL_FLOATS: Readonly<Record<string, number>> = {
  nan: NaN,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
};

function toBool(args: readonly Value[]): Value {
  const [value = null] = args;
  if (typeof value === 'boolean') return value;
  if (isInteger(value) || isFloat(value)) return toDouble(value) !== 0;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true' || text === 'false') return text === 'true';
    throw invalidArgumentError('bool', NOT_CONVERTIBLE);
  }
  throw argumentTypeError('bool', 0, 1, 'a boolean, a number or a string', value);
}

/** Round half to even, as Convert.ToInt64(double) does. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5 || (diff === 0.5 && floor % 2 !== 0)) return floor + 1;
  return floor;
}

function toInt(args: readonly Value[]): Value {
  const [value = null] = args;
  if (isInteger(value)) return value;
  let result: number | bigint | undefined;
  if (isFloat(value)) {
    const number = toDouble(value);
    result = Number.isFinite(number) ? makeInteger(BigInt(roundHalfEven(number))) : undefined;
  } else if (typeof value === 'string') {
    result = INTEGER_TEXT.test(value) ? makeInteger(BigInt(value.trim())) : undefined;
  } else {
    throw argumentTypeError('int', 0, 1, 'an integer, a float or a string', value);
  }
  if (result === undefined) throw invalidArgumentError('int', NOT_CONVERTIBLE);
  return result;
}

function toFloat(args: readonly Value[]): Value {
  const [value = null] = args;
  if (isInteger(value) || isFloat(value)) return makeFloat(toDouble(value));
  if (typeof value !== 'string') throw argumentTypeError('float', 0, 1, 'a number or a string', value);
  const special = SPECIAL_FLOATS[value.trim().toLowerCase()];
  if (special !== undefined) return special;
  if (!FLOAT_TEXT.test(value)) throw invalidArgumentError('float', NOT_CONVERTIBLE);
  return makeFloat(Number(value.trim().replaceAll(',', '')));
}

function toJson(args: readonly Value[]): Value {
  const [value = null] = args;
  if (isXmlBinary(value)) return xmlBinaryToJson('json', value);
  const binary = asBinary(value);
  const text = binary === undefined ? value : Buffer.from(binary.bytes).toString('utf8');
  if (typeof text !== 'string') return value;
  try {
    return parseJsonText(text);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw new ExpressionError(
      `The template language function 'json' parameter is not valid. The provided value '${text}' cannot be parsed: '${error.message}'.`,
    );
  }
}

export function conversionFunctions(): FunctionDefinition[] {
  return [
    eager('array', 1, 1, (args) => [args[0] ?? null]),
    eager('createArray', 0, Infinity, (args) => [...args]),
    eager('bool', 1, 1, toBool),
    eager('int', 1, 1, toInt),
    eager('float', 1, 1, toFloat),
    eager('string', 1, 1, (args) => toDisplayString(args[0] ?? null)),
    eager('json', 1, 1, toJson),
    eager('coalesce', 1, Infinity, (args) => args.find((arg) => arg !== null) ?? null),
  ];
}
