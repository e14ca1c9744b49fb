/**
 * Math functions (spec §3.5 "Math"). Integer op integer stays a 64-bit integer, computed in bigint so values
 * beyond 2^53 (ticks) stay exact, and div truncates toward zero [D]; a float on either side gives a float.
 * Integer overflow and division by zero are errors [I].
 */
import { compareValues } from '../compare.ts';
import { ExpressionError } from '../contract.ts';
import { argumentTypeError, invalidArgumentError } from '../errors.ts';
import {
  fromJson,
  isArray,
  isInteger,
  isNumber,
  makeFloat,
  makeInteger,
  toBigInt,
  toDouble,
  type Value,
} from '../values.ts';
import { numberArg, smallIntegerArg } from './arguments.ts';
import { eager, type CallEnv, type FunctionDefinition } from './function-types.ts';

interface Operation {
  readonly name: string;
  integer(left: bigint, right: bigint): bigint;
  float(left: number, right: number): number;
  /** div and mod reject a zero divisor. */
  readonly divides?: boolean;
}

function integerResult(name: string, value: bigint): Value {
  const result = makeInteger(value);
  if (result === undefined) {
    throw new ExpressionError(
      `The template language function '${name}' overflowed: the result does not fit in a 64-bit integer.`,
    );
  }
  return result;
}

function arithmetic(operation: Operation): FunctionDefinition {
  return eager(operation.name, 2, 2, (args) => {
    const left = numberArg(operation.name, args, 0);
    const right = numberArg(operation.name, args, 1);
    if (operation.divides === true && toDouble(right) === 0) {
      throw invalidArgumentError(operation.name, 'The divisor cannot be zero.');
    }
    if (isInteger(left) && isInteger(right)) {
      return integerResult(operation.name, operation.integer(toBigInt(left), toBigInt(right)));
    }
    return makeFloat(operation.float(toDouble(left), toDouble(right)));
  });
}

/** max/min take numbers, or one array of numbers; the winning argument keeps its int/float type. */
function extreme(name: 'max' | 'min', wantOrder: number): FunctionDefinition {
  return eager(name, 1, Infinity, (args, env: CallEnv) => {
    const first = args[0] ?? null;
    const values = args.length === 1 && isArray(first) ? first.map(fromJson) : args;
    if (values.length === 0) throw invalidArgumentError(name, 'The array must not be empty.');
    let best: Value = null;
    values.forEach((value, i) => {
      if (!isNumber(value))
        throw argumentTypeError(name, i, values.length, 'an integer or a decimal number', value);
      if (best === null || compareValues(value, best, env.services.collator) === wantOrder) best = value;
    });
    return best;
  });
}

function rand(args: readonly Value[], env: CallEnv): Value {
  const min = smallIntegerArg('rand', args, 0);
  const max = smallIntegerArg('rand', args, 1);
  if (min > max)
    throw invalidArgumentError(
      'rand',
      `The minimum value '${min}' cannot be greater than the maximum value '${max}'.`,
    );
  return min + Math.floor(env.services.random() * (max - min));
}

const RANGE_LIMIT = 100_000;

function range(args: readonly Value[]): Value {
  const start = smallIntegerArg('range', args, 0);
  const count = smallIntegerArg('range', args, 1);
  if (count < 0 || count > RANGE_LIMIT) {
    throw invalidArgumentError('range', `The count '${count}' must be between 0 and ${RANGE_LIMIT}.`);
  }
  return Array.from({ length: count }, (_, i) => start + i);
}

export function mathFunctions(): FunctionDefinition[] {
  return [
    arithmetic({ name: 'add', integer: (a, b) => a + b, float: (a, b) => a + b }),
    arithmetic({ name: 'sub', integer: (a, b) => a - b, float: (a, b) => a - b }),
    arithmetic({ name: 'mul', integer: (a, b) => a * b, float: (a, b) => a * b }),
    arithmetic({ name: 'div', integer: (a, b) => a / b, float: (a, b) => a / b, divides: true }),
    arithmetic({ name: 'mod', integer: (a, b) => a % b, float: (a, b) => a % b, divides: true }),
    extreme('max', 1),
    extreme('min', -1),
    eager('rand', 2, 2, rand),
    eager('range', 2, 2, range),
  ];
}
