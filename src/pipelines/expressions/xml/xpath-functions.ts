/**
 * The XPath 1.0 core function library used by xpath(): node-set functions (last, position, count, name,
 * local-name, namespace-uri), string functions, boolean functions and number functions (sum, floor, ceiling,
 * round). Functions that default to the context node do so when called without arguments.
 */
import {
  evaluateXPath,
  isNodeSet,
  toXPathBoolean,
  toXPathNumber,
  toXPathString,
  type XPathContext,
  type XPathValue,
} from './xpath-evaluator.ts';
import { localName, type XPathNode } from './xpath-nodes.ts';
import { XPathSyntaxError, type XPathExpr } from './xpath-parser.ts';

type Implementation = (args: readonly XPathValue[], context: XPathContext) => XPathValue;

function firstNode(args: readonly XPathValue[], context: XPathContext): XPathNode | undefined {
  const [arg] = args;
  if (arg === undefined) return context.node;
  if (!isNodeSet(arg)) throw new XPathSyntaxError('Expected a node-set argument');
  return arg[0];
}

function stringArg(args: readonly XPathValue[], index: number, context: XPathContext): string {
  const arg = args[index];
  return arg === undefined ? context.model.stringValue(context.node) : toXPathString(arg, context.model);
}

function substring(args: readonly XPathValue[], context: XPathContext): string {
  const text = stringArg(args, 0, context);
  const start = Math.round(toXPathNumber(args[1] ?? NaN, context.model));
  const length = args[2] === undefined ? Infinity : Math.round(toXPathNumber(args[2], context.model));
  const from = Math.max(start, 1);
  const to = start + length;
  return Array.from(text)
    .filter((_, i) => i + 1 >= from && i + 1 < to)
    .join('');
}

function translate(args: readonly XPathValue[], context: XPathContext): string {
  const from = Array.from(stringArg(args, 1, context));
  const to = Array.from(stringArg(args, 2, context));
  return Array.from(stringArg(args, 0, context))
    .map((char) => {
      const index = from.indexOf(char);
      return index < 0 ? char : (to[index] ?? '');
    })
    .join('');
}

function sum(args: readonly XPathValue[], context: XPathContext): number {
  const [nodes] = args;
  if (nodes === undefined || !isNodeSet(nodes)) throw new XPathSyntaxError('sum() expects a node-set');
  return nodes.reduce(
    (total, node) => total + toXPathNumber(context.model.stringValue(node), context.model),
    0,
  );
}

const FUNCTIONS: Readonly<Record<string, Implementation>> = {
  last: (_args, context) => context.size,
  position: (_args, context) => context.position,
  count: (args) => {
    const [nodes] = args;
    if (nodes === undefined || !isNodeSet(nodes)) throw new XPathSyntaxError('count() expects a node-set');
    return nodes.length;
  },
  name: (args, context) => {
    const node = firstNode(args, context);
    return node === undefined ? '' : context.model.name(node);
  },
  'local-name': (args, context) => {
    const node = firstNode(args, context);
    return node === undefined ? '' : localName(context.model.name(node));
  },
  'namespace-uri': (args, context) => {
    const node = firstNode(args, context);
    return node === undefined ? '' : context.model.namespaceUri(node);
  },
  string: (args, context) => stringArg(args, 0, context),
  concat: (args, context) => args.map((arg) => toXPathString(arg, context.model)).join(''),
  'starts-with': (args, context) => stringArg(args, 0, context).startsWith(stringArg(args, 1, context)),
  contains: (args, context) => stringArg(args, 0, context).includes(stringArg(args, 1, context)),
  'substring-before': (args, context) => {
    const text = stringArg(args, 0, context);
    const index = text.indexOf(stringArg(args, 1, context));
    return index < 0 ? '' : text.slice(0, index);
  },
  'substring-after': (args, context) => {
    const text = stringArg(args, 0, context);
    const search = stringArg(args, 1, context);
    const index = text.indexOf(search);
    return index < 0 ? '' : text.slice(index + search.length);
  },
  substring,
  'string-length': (args, context) => Array.from(stringArg(args, 0, context)).length,
  'normalize-space': (args, context) => stringArg(args, 0, context).trim().replace(/\s+/g, ' '),
  translate,
  not: (args) => !toXPathBoolean(args[0] ?? false),
  true: () => true,
  false: () => false,
  boolean: (args) => toXPathBoolean(args[0] ?? false),
  number: (args, context) => toXPathNumber(args[0] ?? [context.node], context.model),
  sum,
  floor: (args, context) => Math.floor(toXPathNumber(args[0] ?? NaN, context.model)),
  ceiling: (args, context) => Math.ceil(toXPathNumber(args[0] ?? NaN, context.model)),
  round: (args, context) => Math.round(toXPathNumber(args[0] ?? NaN, context.model)),
};

export function callXPathFunction(
  name: string,
  args: readonly XPathExpr[],
  context: XPathContext,
): XPathValue {
  const implementation = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
  if (implementation === undefined)
    throw new XPathSyntaxError(`The XPath function '${name}' is not supported`);
  return implementation(
    args.map((arg) => evaluateXPath(arg, context)),
    context,
  );
}
