/**
 * Evaluates a parsed XPath 1.0 expression over an XPathModel. Values are node-sets (in document order),
 * strings, numbers and booleans with XPath's conversion and comparison rules (a node-set compares true when
 * any of its nodes does). Unprefixed name tests only match elements in no namespace, as in .NET without a
 * namespace manager; that is why the docs use `*[name()="file"]` for namespaced XML.
 */
import { callXPathFunction } from './xpath-functions.ts';
import { localName, type XPathModel, type XPathNode } from './xpath-nodes.ts';
import { XPathSyntaxError, type NodeTest, type Step, type XPathExpr } from './xpath-parser.ts';

export type XPathValue = readonly XPathNode[] | string | number | boolean;

export interface XPathContext {
  readonly model: XPathModel;
  readonly node: XPathNode;
  readonly position: number;
  readonly size: number;
}

export function isNodeSet(value: XPathValue): value is readonly XPathNode[] {
  return Array.isArray(value);
}

export function toXPathString(value: XPathValue, model: XPathModel): string {
  if (isNodeSet(value)) return value[0] === undefined ? '' : model.stringValue(value[0]);
  if (typeof value === 'number') return numberText(value);
  return String(value);
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return String(value);
}

export function toXPathNumber(value: XPathValue, model: XPathModel): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const text = toXPathString(value, model).trim();
  return /^-?(?:\d+(?:\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN;
}

export function toXPathBoolean(value: XPathValue): boolean {
  if (isNodeSet(value)) return value.length > 0;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value.length > 0;
  return value;
}

export function evaluateXPath(expression: XPathExpr, context: XPathContext): XPathValue {
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'number':
      return expression.value;
    case 'negate':
      return -toXPathNumber(evaluateXPath(expression.operand, context), context.model);
    case 'call':
      return callXPathFunction(expression.name, expression.args, context);
    case 'binary':
      return binary(expression.op, expression.left, expression.right, context);
    case 'filter': {
      const base = evaluateXPath(expression.primary, context);
      if (!isNodeSet(base)) throw new XPathSyntaxError('Predicates can only filter node-sets');
      return applyPredicates(base, expression.predicates, context.model);
    }
    case 'path':
      return evaluatePath(expression.start, expression.steps, context);
  }
}

function evaluatePath(
  start: 'root' | 'context' | XPathExpr,
  steps: readonly Step[],
  context: XPathContext,
): XPathValue {
  let nodes: readonly XPathNode[];
  if (start === 'root') nodes = [context.model.document];
  else if (start === 'context') nodes = [context.node];
  else {
    const value = evaluateXPath(start, context);
    if (!isNodeSet(value)) throw new XPathSyntaxError('A path can only continue from a node-set');
    nodes = value;
  }
  for (const step of steps) {
    nodes = context.model.sortAndDedupe(nodes.flatMap((node) => applyStep(step, node, context.model)));
  }
  return nodes;
}

function applyStep(step: Step, node: XPathNode, model: XPathModel): XPathNode[] {
  const candidates = axisNodes(step.axis, node, model).filter((candidate) =>
    matches(step.test, step.axis, candidate, model),
  );
  return applyPredicates(candidates, step.predicates, model);
}

function applyPredicates(
  nodes: readonly XPathNode[],
  predicates: readonly XPathExpr[],
  model: XPathModel,
): XPathNode[] {
  let current = [...nodes];
  for (const predicate of predicates) {
    current = current.filter((node, index) => {
      const value = evaluateXPath(predicate, { model, node, position: index + 1, size: current.length });
      return typeof value === 'number' ? value === index + 1 : toXPathBoolean(value);
    });
  }
  return current;
}

/** Nodes along an axis, in axis order (reverse document order for the reverse axes). */
function axisNodes(axis: string, node: XPathNode, model: XPathModel): XPathNode[] {
  const parent = model.parent(node);
  const siblings = parent === undefined || node.type === 'attribute' ? [] : model.children(parent);
  switch (axis) {
    case 'child':
      return model.children(node);
    case 'attribute':
      return model.attributes(node);
    case 'descendant':
      return model.descendants(node);
    case 'descendant-or-self':
      return [node, ...model.descendants(node)];
    case 'self':
      return [node];
    case 'parent':
      return parent === undefined ? [] : [parent];
    case 'ancestor':
      return model.ancestors(node);
    case 'ancestor-or-self':
      return [node, ...model.ancestors(node)];
    case 'following-sibling':
      return siblings.slice(siblings.indexOf(node) + 1);
    case 'preceding-sibling':
      return siblings.slice(0, Math.max(siblings.indexOf(node), 0)).reverse();
    default:
      throw new XPathSyntaxError(`The axis '${axis}' is not supported`);
  }
}

function matches(test: NodeTest, axis: string, node: XPathNode, model: XPathModel): boolean {
  const principal = axis === 'attribute' ? 'attribute' : 'element';
  switch (test.kind) {
    case 'type':
      if (test.type === 'node') return true;
      if (test.type === 'processing-instruction') return node.type === 'instruction';
      return node.type === test.type;
    case 'any':
      return (
        node.type === principal &&
        (test.prefix === undefined || model.name(node).startsWith(`${test.prefix}:`))
      );
    case 'name': {
      if (node.type !== principal) return false;
      if (test.name.includes(':')) return model.name(node) === test.name;
      return localName(model.name(node)) === test.name && model.namespaceUri(node) === '';
    }
  }
}

function binary(op: string, left: XPathExpr, right: XPathExpr, context: XPathContext): XPathValue {
  if (op === 'or')
    return toXPathBoolean(evaluateXPath(left, context)) || toXPathBoolean(evaluateXPath(right, context));
  if (op === 'and')
    return toXPathBoolean(evaluateXPath(left, context)) && toXPathBoolean(evaluateXPath(right, context));
  const a = evaluateXPath(left, context);
  const b = evaluateXPath(right, context);
  const model = context.model;
  if (op === '|') {
    if (!isNodeSet(a) || !isNodeSet(b)) throw new XPathSyntaxError("'|' needs node-sets on both sides");
    return model.sortAndDedupe([...a, ...b]);
  }
  if (['=', '!=', '<', '<=', '>', '>='].includes(op)) return compare(op, a, b, model);
  const x = toXPathNumber(a, model);
  const y = toXPathNumber(b, model);
  const arithmetic: Readonly<Record<string, number>> = {
    '+': x + y,
    '-': x - y,
    '*': x * y,
    div: x / y,
    mod: x % y,
  };
  return arithmetic[op] ?? NaN;
}

/** XPath 1.0 §3.4: node-sets compare existentially through their nodes' string-values. */
function compare(op: string, a: XPathValue, b: XPathValue, model: XPathModel): boolean {
  if (isNodeSet(a) && typeof b === 'boolean') return compare(op, toXPathBoolean(a), b, model);
  if (isNodeSet(b) && typeof a === 'boolean') return compare(op, a, toXPathBoolean(b), model);
  if (isNodeSet(a)) return a.some((node) => compare(op, model.stringValue(node), b, model));
  if (isNodeSet(b)) return b.some((node) => compare(op, a, model.stringValue(node), model));
  if (op === '=' || op === '!=') {
    let equal: boolean;
    if (typeof a === 'boolean' || typeof b === 'boolean') equal = toXPathBoolean(a) === toXPathBoolean(b);
    else if (typeof a === 'number' || typeof b === 'number')
      equal = toXPathNumber(a, model) === toXPathNumber(b, model);
    else equal = a === b;
    return op === '=' ? equal : !equal;
  }
  const x = toXPathNumber(a, model);
  const y = toXPathNumber(b, model);
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}
