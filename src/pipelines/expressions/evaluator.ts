/**
 * Evaluates a parsed expression against an ExpressionContext (spec §3). Function names are looked up
 * ignoring case; lazy functions receive thunks so unused `if` branches and short-circuited `and`/`or`
 * operands are never evaluated. Property access tries the exact key first and then ignores case (spec §7.2);
 * a missing property is an error unless it was reached through `?.`/`?[`, which also turn a null target
 * into null.
 */
import type { ExpressionNode, IndexNode, ParsedExpression, PropertyNode } from './ast.ts';
import {
  arityError,
  indexOutOfBoundsError,
  indexTypeError,
  missingPropertyError,
  propertySelectionError,
  unknownFunctionError,
} from './errors.ts';
import type { CallEnv, FunctionCatalog } from './functions/function-types.ts';
import {
  fromJson,
  isArray,
  isFloat,
  isInteger,
  isObject,
  ownProperty,
  toDouble,
  type Value,
  type ValueObject,
} from './values.ts';

export interface Evaluation {
  readonly catalog: FunctionCatalog;
  readonly env: CallEnv;
}

export function evaluateExpression(expression: ParsedExpression, evaluation: Evaluation): Value {
  return evaluateNode(expression.root, expression.source, evaluation);
}

function evaluateNode(node: ExpressionNode, source: string, evaluation: Evaluation): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'call':
      return evaluateCall(node.name, node.args, source, evaluation);
    case 'property':
      return selectProperty(node, evaluateNode(node.target, source, evaluation), source);
    case 'index':
      return selectIndex(node, source, evaluation);
  }
}

function evaluateCall(
  name: string,
  args: readonly ExpressionNode[],
  source: string,
  evaluation: Evaluation,
): Value {
  const definition = evaluation.catalog.get(name.toLowerCase());
  if (definition === undefined) throw unknownFunctionError(name);
  if (args.length < definition.minArgs || args.length > definition.maxArgs) {
    throw arityError(definition.name, definition.minArgs, definition.maxArgs, args.length);
  }
  if (definition.lazy === true) {
    const thunks = args.map((arg) => () => evaluateNode(arg, source, evaluation));
    return definition.invoke(thunks, evaluation.env);
  }
  const values = args.map((arg) => evaluateNode(arg, source, evaluation));
  return definition.invoke(values, evaluation.env);
}

function selectProperty(node: PropertyNode, target: Value, source: string): Value {
  if (target === null && node.optional) return null;
  if (!isObject(target)) throw propertySelectionError(source, node.name, target);
  return lookupProperty(target, node.name, node.optional, source);
}

/** Exact key first, then the first key equal ignoring case. */
function findProperty(target: ValueObject, name: string): Value | undefined {
  const exact = ownProperty(target, name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  const key = Object.keys(target).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : ownProperty(target, key);
}

function lookupProperty(target: ValueObject, name: string, optional: boolean, source: string): Value {
  const value = findProperty(target, name);
  if (value !== undefined) return value;
  if (optional) return null;
  throw missingPropertyError(source, name, Object.keys(target));
}

function selectIndex(node: IndexNode, source: string, evaluation: Evaluation): Value {
  const target = evaluateNode(node.target, source, evaluation);
  const index = evaluateNode(node.index, source, evaluation);
  if (target === null && node.optional) return null;
  if (isArray(target)) return selectElement(target, index, node.optional, source);
  if (isObject(target) && typeof index === 'string')
    return lookupProperty(target, index, node.optional, source);
  throw indexTypeError(source, index, target);
}

function selectElement(array: readonly Value[], index: Value, optional: boolean, source: string): Value {
  const position = wholeNumber(index);
  if (position === undefined) throw indexTypeError(source, index, array);
  if (position >= 0 && position < array.length) return fromJson(array[position]);
  if (optional) return null;
  throw indexOutOfBoundsError(source, String(position), array.length);
}

/** An array index: an integer, or a float with a whole value (results of div on floats). */
function wholeNumber(value: Value): number | undefined {
  if (isInteger(value)) return Number(value);
  if (isFloat(value)) {
    const number = toDouble(value);
    return Number.isInteger(number) ? number : undefined;
  }
  return undefined;
}
