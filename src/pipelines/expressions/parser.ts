/**
 * Recursive-descent parser for one expression (spec §3.2): `primary accessor*`, where a primary is a literal
 * or a function call and accessors are `.name`, `?.name`, `[expr]` and `?[expr]`. `true`, `false` and `null`
 * are the only bare words; any other identifier must be followed by an argument list. The tree may be at
 * most MAX_EXPRESSION_DEPTH deep (calls, brackets and accessor chains all count), so the parser, the static
 * check and the evaluator, which all recurse over it, never run out of stack on a hostile expression.
 */
import type { ExpressionNode, ParsedExpression } from './ast.ts';
import { syntaxError } from './errors.ts';
import { tokenize, type Token, type TokenKind } from './lexer.ts';
import { makeFloat, makeInteger, type Value } from './values.ts';
import { MAX_NESTING } from '../nesting.ts';

const KEYWORDS: Readonly<Record<string, Value>> = { true: true, false: false, null: null };

/** Far beyond what a pipeline writes (the templates nest 6 deep). */
export const MAX_EXPRESSION_DEPTH = MAX_NESTING;

export function parseExpression(source: string): ParsedExpression {
  const parser = new Parser(source, tokenize(source));
  const root = parser.expression();
  parser.expectEnd();
  return { source, root };
}

class Parser {
  private readonly source: string;
  private readonly tokens: readonly Token[];
  private position = 0;
  /** Depth of each node built so far; a node is one level deeper than its deepest child. */
  private readonly depths = new WeakMap<ExpressionNode, number>();
  /** expression() calls under way: the nesting reached before the inner nodes exist. */
  private open = 0;

  constructor(source: string, tokens: readonly Token[]) {
    this.source = source;
    this.tokens = tokens;
  }

  expression(): ExpressionNode {
    this.open++;
    if (this.open > MAX_EXPRESSION_DEPTH) throw this.tooDeep();
    try {
      return this.accessors(this.primary());
    } finally {
      this.open--;
    }
  }

  private accessors(primary: ExpressionNode): ExpressionNode {
    let node = primary;
    for (;;) {
      const token = this.peek();
      if (token.kind === 'dot' || token.kind === 'questionDot') {
        this.position++;
        const name = this.take('identifier', 'a property name');
        node = this.node(
          {
            kind: 'property',
            target: node,
            name: name.text,
            optional: token.kind === 'questionDot',
            start: token.start,
          },
          [node],
        );
      } else if (token.kind === 'lbracket' || token.kind === 'questionBracket') {
        this.position++;
        const index = this.expression();
        this.take('rbracket', "']'");
        node = this.node(
          {
            kind: 'index',
            target: node,
            index,
            optional: token.kind === 'questionBracket',
            start: token.start,
          },
          [node, index],
        );
      } else {
        return node;
      }
    }
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'end') throw this.unexpected(token);
  }

  private primary(): ExpressionNode {
    const token = this.peek();
    switch (token.kind) {
      case 'string':
        this.position++;
        return { kind: 'literal', value: token.text, start: token.start };
      case 'integer':
      case 'float':
        this.position++;
        return { kind: 'literal', value: this.numberValue(token), start: token.start };
      case 'identifier':
        this.position++;
        return this.callOrKeyword(token);
      default:
        throw this.unexpected(token);
    }
  }

  private callOrKeyword(name: Token): ExpressionNode {
    if (this.peek().kind !== 'lparen') {
      const keyword = name.text.toLowerCase();
      if (Object.hasOwn(KEYWORDS, keyword))
        return { kind: 'literal', value: KEYWORDS[keyword] ?? null, start: name.start };
      throw syntaxError(
        this.source,
        `the identifier '${name.text}' is not expected; functions need an argument list`,
        name.start,
      );
    }
    this.position++;
    const args: ExpressionNode[] = [];
    if (this.peek().kind !== 'rparen') {
      args.push(this.expression());
      while (this.peek().kind === 'comma') {
        this.position++;
        args.push(this.expression());
      }
    }
    this.take('rparen', "')'");
    return this.node({ kind: 'call', name: name.text, args, start: name.start }, args);
  }

  /** Records the depth of a node built from `children`, refusing one beyond the limit. */
  private node(built: ExpressionNode, children: readonly ExpressionNode[]): ExpressionNode {
    const depth = 1 + Math.max(0, ...children.map((child) => this.depths.get(child) ?? 1));
    if (depth > MAX_EXPRESSION_DEPTH) throw this.tooDeep();
    this.depths.set(built, depth);
    return built;
  }

  private tooDeep() {
    return syntaxError(
      this.source,
      `it nests calls, brackets and accessors deeper than ${MAX_EXPRESSION_DEPTH} levels`,
      this.peek().start,
    );
  }

  /** Integers beyond 64 bits read as doubles, as Newtonsoft reads oversized JSON integers. */
  private numberValue(token: Token): Value {
    if (token.kind === 'integer') {
      const integer = makeInteger(BigInt(token.text));
      if (integer !== undefined) return integer;
    }
    return makeFloat(Number(token.text));
  }

  private peek(): Token {
    return this.tokens[this.position] ?? { kind: 'end', text: '', start: this.source.length };
  }

  private take(kind: TokenKind, description: string): Token {
    const token = this.peek();
    if (token.kind !== kind) throw this.unexpected(token, description);
    this.position++;
    return token;
  }

  private unexpected(token: Token, expected?: string) {
    const found =
      token.kind === 'end'
        ? 'the end of the expression'
        : `'${token.kind === 'string' ? `'${token.text}'` : token.text}'`;
    const detail =
      expected === undefined ? `${found} is not expected` : `expected ${expected} but found ${found}`;
    return syntaxError(this.source, detail, token.start);
  }
}
