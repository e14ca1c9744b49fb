/**
 * Logical and comparison functions (spec §3.5 "Logical"). `if`, `and` and `or` are lazy: an unused branch
 * or a short-circuited operand is never evaluated, so it cannot fail [E]. Conditions must be booleans.
 */
import { compareValues, valuesEqual } from '../compare.ts';
import { argumentTypeError, invalidArgumentError } from '../errors.ts';
import { kindOf, type Value } from '../values.ts';
import { booleanArg } from './arguments.ts';
import { eager, type CallEnv, type FunctionDefinition, type LazyFunction } from './function-types.ts';

function lazyBoolean(fn: string, thunks: readonly (() => Value)[], index: number): boolean {
  const value = thunks[index]?.() ?? null;
  if (typeof value !== 'boolean') throw argumentTypeError(fn, index, thunks.length, 'a boolean', value);
  return value;
}

const ifFunction: LazyFunction = {
  name: 'if',
  minArgs: 3,
  maxArgs: 3,
  lazy: true,
  invoke(thunks) {
    const condition = lazyBoolean('if', thunks, 0);
    return thunks[condition ? 1 : 2]?.() ?? null;
  },
};

function shortCircuit(name: 'and' | 'or', stopOn: boolean): LazyFunction {
  return {
    name,
    minArgs: 2,
    maxArgs: Infinity,
    lazy: true,
    invoke(thunks) {
      for (let i = 0; i < thunks.length; i++) if (lazyBoolean(name, thunks, i) === stopOn) return stopOn;
      return !stopOn;
    },
  };
}

function ordering(name: string, accept: (order: number) => boolean): FunctionDefinition {
  return eager(name, 2, 2, (args, env: CallEnv) => {
    const [left = null, right = null] = args;
    const order = compareValues(left, right, env.services.collator);
    if (order === undefined) {
      throw invalidArgumentError(
        name,
        `Both parameters must be integers, floats or strings of comparable types; the provided values are of types '${kindOf(left)}' and '${kindOf(right)}'.`,
      );
    }
    return accept(order);
  });
}

export function logicalFunctions(): FunctionDefinition[] {
  return [
    ifFunction,
    shortCircuit('and', false),
    shortCircuit('or', true),
    eager('not', 1, 1, (args) => !booleanArg('not', args, 0)),
    eager('equals', 2, 2, (args) => valuesEqual(args[0] ?? null, args[1] ?? null)),
    ordering('greater', (order) => order > 0),
    ordering('greaterOrEquals', (order) => order >= 0),
    ordering('less', (order) => order < 0),
    ordering('lessOrEquals', (order) => order <= 0),
  ];
}
