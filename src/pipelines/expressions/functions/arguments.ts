/**
 * Argument checks shared by the built-in functions. Each returns the argument narrowed to the wanted type
 * or throws the engine-style "expects its second parameter to be …" error (spec §3.7), so function bodies
 * read as the spec's tables do.
 */
import { argumentTypeError, invalidArgumentError } from '../errors.ts';
import { isArray, isFloat, isInteger, isNumber, toBigInt, type FloatNumber, type Value } from '../values.ts';

function argument(args: readonly Value[], index: number): Value {
  return args[index] ?? null;
}

export function stringArg(fn: string, args: readonly Value[], index: number): string {
  const value = argument(args, index);
  if (typeof value !== 'string') throw argumentTypeError(fn, index, args.length, 'a string', value);
  return value;
}

export function optionalStringArg(fn: string, args: readonly Value[], index: number): string | undefined {
  return index < args.length ? stringArg(fn, args, index) : undefined;
}

export function booleanArg(fn: string, args: readonly Value[], index: number): boolean {
  const value = argument(args, index);
  if (typeof value !== 'boolean') throw argumentTypeError(fn, index, args.length, 'a boolean', value);
  return value;
}

export function numberArg(fn: string, args: readonly Value[], index: number): number | bigint | FloatNumber {
  const value = argument(args, index);
  if (!isNumber(value))
    throw argumentTypeError(fn, index, args.length, 'an integer or a decimal number', value);
  return value;
}

/** An integer argument; a float with a whole value is accepted as that integer. */
function integerArg(fn: string, args: readonly Value[], index: number): bigint {
  const value = argument(args, index);
  if (isInteger(value)) return toBigInt(value);
  if (isFloat(value)) {
    const number = typeof value === 'number' ? value : value.value;
    if (Number.isInteger(number)) return BigInt(number);
  }
  throw argumentTypeError(fn, index, args.length, 'an integer', value);
}

/** A small integer argument (counts, indexes) as a JS number. */
export function smallIntegerArg(fn: string, args: readonly Value[], index: number): number {
  const value = integerArg(fn, args, index);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw invalidArgumentError(fn, `The ${index + 1}. parameter '${value}' is out of range.`);
  }
  return Number(value);
}

export function arrayArg(fn: string, args: readonly Value[], index: number): readonly Value[] {
  const value = argument(args, index);
  if (!isArray(value)) throw argumentTypeError(fn, index, args.length, 'an array', value);
  return value;
}
