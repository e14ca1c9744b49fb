/**
 * Parser for the XPath 1.0 subset xpath() supports (spec §3.5): location paths with the common axes, name
 * and node-type tests, predicates, the operators (`or and = != < <= > >= + - * div mod |`), literals,
 * numbers and function calls. Variables are not supported. `*` and names such as `div` are operators or
 * name tests depending on the token before them, as the XPath grammar prescribes.
 */

export type NodeTest =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'any'; readonly prefix?: string }
  | { readonly kind: 'type'; readonly type: 'node' | 'text' | 'comment' | 'processing-instruction' };

export interface Step {
  readonly axis: string;
  readonly test: NodeTest;
  readonly predicates: readonly XPathExpr[];
}

export type XPathExpr =
  | { readonly kind: 'binary'; readonly op: string; readonly left: XPathExpr; readonly right: XPathExpr }
  | { readonly kind: 'negate'; readonly operand: XPathExpr }
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly XPathExpr[] }
  | { readonly kind: 'filter'; readonly primary: XPathExpr; readonly predicates: readonly XPathExpr[] }
  | {
      readonly kind: 'path';
      readonly start: 'root' | 'context' | XPathExpr;
      readonly steps: readonly Step[];
    };

export class XPathSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XPathSyntaxError';
  }
}

interface Token {
  readonly type: 'op' | 'name' | 'literal' | 'number' | 'punct';
  readonly text: string;
}

const AXES = new Set([
  'ancestor',
  'ancestor-or-self',
  'attribute',
  'child',
  'descendant',
  'descendant-or-self',
  'following-sibling',
  'parent',
  'preceding-sibling',
  'self',
]);
const NODE_TYPES = new Set(['node', 'text', 'comment', 'processing-instruction']);
const TOKEN =
  /\s*(?:(\.\.|::|\/\/|!=|<=|>=|[()[\]@,/|+=<>*-])|('[^']*'|"[^"]*")|(\d+(?:\.\d*)?|\.\d+)|(\.)|([A-Za-z_][\w.-]*(?::(?:[A-Za-z_][\w.-]*|\*))?))/y;
const BINARY_LEVELS: readonly (readonly string[])[] = [
  ['or'],
  ['and'],
  ['=', '!='],
  ['<', '<=', '>', '>='],
  ['+', '-'],
  ['*', 'div', 'mod'],
];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < source.length) {
    if (/^\s*$/.test(source.slice(position))) break;
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(source);
    if (match === null)
      throw new XPathSyntaxError(`Unexpected character at position ${position} in '${source}'`);
    position = TOKEN.lastIndex;
    const [, punct, literal, number, dot, name] = match;
    const previous = tokens.at(-1);
    const operatorContext =
      previous !== undefined && !['@', '::', '(', '[', ','].includes(previous.text) && previous.type !== 'op';
    if (literal !== undefined) tokens.push({ type: 'literal', text: literal.slice(1, -1) });
    else if (number !== undefined) tokens.push({ type: 'number', text: number });
    else if (dot !== undefined) tokens.push({ type: 'punct', text: '.' });
    else if (name !== undefined)
      tokens.push({
        type: operatorContext && ['and', 'or', 'div', 'mod'].includes(name) ? 'op' : 'name',
        text: name,
      });
    else if (punct === '*') tokens.push({ type: operatorContext ? 'op' : 'name', text: '*' });
    else
      tokens.push({
        type: ['(', ')', '[', ']', '@', ',', '::', '.', '..'].includes(punct ?? '') ? 'punct' : 'op',
        text: punct ?? '',
      });
  }
  return tokens;
}

export function parseXPath(source: string): XPathExpr {
  const parser = new XPathParser(tokenize(source), source);
  const expression = parser.expression();
  parser.expectEnd();
  return expression;
}

class XPathParser {
  private readonly tokens: readonly Token[];
  private readonly source: string;
  private position = 0;

  constructor(tokens: readonly Token[], source: string) {
    this.tokens = tokens;
    this.source = source;
  }

  expression(level = 0): XPathExpr {
    const operators = BINARY_LEVELS[level];
    if (operators === undefined) return this.unary();
    let left = this.expression(level + 1);
    for (
      let token = this.peek();
      token?.type === 'op' && operators.includes(token.text);
      token = this.peek()
    ) {
      this.position++;
      left = { kind: 'binary', op: token.text, left, right: this.expression(level + 1) };
    }
    return left;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token !== undefined) throw new XPathSyntaxError(`Unexpected '${token.text}' in '${this.source}'`);
  }

  private unary(): XPathExpr {
    if (this.accept('op', '-')) return { kind: 'negate', operand: this.unary() };
    let left = this.pathExpression();
    while (this.accept('op', '|')) left = { kind: 'binary', op: '|', left, right: this.pathExpression() };
    return left;
  }

  private pathExpression(): XPathExpr {
    const token = this.peek();
    if (token?.text === '/' || token?.text === '//') {
      this.position++;
      const steps = token.text === '//' ? [descendantStep()] : [];
      if (token.text === '/' && !this.startsStep()) return { kind: 'path', start: 'root', steps };
      return { kind: 'path', start: 'root', steps: [...steps, ...this.relativeSteps()] };
    }
    if (this.startsPrimary()) {
      const primary = this.primary();
      const predicates = this.predicates();
      const filter: XPathExpr = predicates.length === 0 ? primary : { kind: 'filter', primary, predicates };
      if (this.peek()?.text !== '/' && this.peek()?.text !== '//') return filter;
      return { kind: 'path', start: filter, steps: this.continuation() };
    }
    return { kind: 'path', start: 'context', steps: this.relativeSteps() };
  }

  private continuation(): Step[] {
    const steps: Step[] = [];
    const separator = this.peek()?.text;
    if (separator === '/' || separator === '//') {
      this.position++;
      if (separator === '//') steps.push(descendantStep());
      steps.push(...this.relativeSteps());
    }
    return steps;
  }

  private relativeSteps(): Step[] {
    const steps = [this.step()];
    for (let token = this.peek(); token?.text === '/' || token?.text === '//'; token = this.peek()) {
      this.position++;
      if (token.text === '//') steps.push(descendantStep());
      steps.push(this.step());
    }
    return steps;
  }

  private step(): Step {
    if (this.accept('punct', '.'))
      return { axis: 'self', test: { kind: 'type', type: 'node' }, predicates: [] };
    if (this.accept('punct', '..'))
      return { axis: 'parent', test: { kind: 'type', type: 'node' }, predicates: [] };
    let axis = 'child';
    if (this.accept('punct', '@')) axis = 'attribute';
    else if (this.peek()?.type === 'name' && this.tokens[this.position + 1]?.text === '::') {
      axis = this.next().text;
      this.position++;
      if (!AXES.has(axis)) throw new XPathSyntaxError(`The axis '${axis}' is not supported`);
    }
    return { axis, test: this.nodeTest(), predicates: this.predicates() };
  }

  private nodeTest(): NodeTest {
    const token = this.next();
    if (token.type !== 'name')
      throw new XPathSyntaxError(`Expected a node test but found '${token.text}' in '${this.source}'`);
    if (token.text === '*') return { kind: 'any' };
    if (token.text.endsWith(':*')) return { kind: 'any', prefix: token.text.slice(0, -2) };
    if (NODE_TYPES.has(token.text) && this.accept('punct', '(')) {
      this.expectPunct(')');
      return { kind: 'type', type: token.text as 'node' };
    }
    return { kind: 'name', name: token.text };
  }

  private predicates(): XPathExpr[] {
    const predicates: XPathExpr[] = [];
    while (this.accept('punct', '[')) {
      predicates.push(this.expression());
      this.expectPunct(']');
    }
    return predicates;
  }

  private primary(): XPathExpr {
    const token = this.next();
    if (token.type === 'literal') return { kind: 'literal', value: token.text };
    if (token.type === 'number') return { kind: 'number', value: Number(token.text) };
    if (token.text === '(') {
      const inner = this.expression();
      this.expectPunct(')');
      return inner;
    }
    this.expectPunct('(');
    const args: XPathExpr[] = [];
    if (!this.accept('punct', ')')) {
      do args.push(this.expression());
      while (this.accept('punct', ','));
      this.expectPunct(')');
    }
    return { kind: 'call', name: token.text, args };
  }

  private startsPrimary(): boolean {
    const token = this.peek();
    if (token === undefined) return false;
    if (token.type === 'literal' || token.type === 'number' || token.text === '(') return true;
    const following = this.tokens[this.position + 1]?.text;
    return token.type === 'name' && following === '(' && !NODE_TYPES.has(token.text);
  }

  private startsStep(): boolean {
    const token = this.peek();
    return token !== undefined && (token.type === 'name' || ['.', '..', '@'].includes(token.text));
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position++];
    if (token === undefined) throw new XPathSyntaxError(`Unexpected end of '${this.source}'`);
    return token;
  }

  private accept(type: Token['type'], text: string): boolean {
    const token = this.peek();
    if (token?.type !== type || token.text !== text) return false;
    this.position++;
    return true;
  }

  private expectPunct(text: string): void {
    if (!this.accept('punct', text)) throw new XPathSyntaxError(`Expected '${text}' in '${this.source}'`);
  }
}

function descendantStep(): Step {
  return { axis: 'descendant-or-self', test: { kind: 'type', type: 'node' }, predicates: [] };
}
