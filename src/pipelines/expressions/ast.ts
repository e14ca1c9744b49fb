/**
 * The syntax tree of one expression (spec §3.2): literals, function calls and accessors. There are no
 * operators in the language, so these four node kinds are the whole grammar. Positions are offsets into the
 * expression text and are only used for error messages.
 */
import type { Value } from './values.ts';

export interface LiteralNode {
  readonly kind: 'literal';
  readonly value: Value;
  readonly start: number;
}

export interface CallNode {
  readonly kind: 'call';
  /** As written; function lookup ignores case. */
  readonly name: string;
  readonly args: readonly ExpressionNode[];
  readonly start: number;
}

/** `.name` or `?.name`. */
export interface PropertyNode {
  readonly kind: 'property';
  readonly target: ExpressionNode;
  readonly name: string;
  readonly optional: boolean;
  readonly start: number;
}

/** `[expr]` or `?[expr]`. */
export interface IndexNode {
  readonly kind: 'index';
  readonly target: ExpressionNode;
  readonly index: ExpressionNode;
  readonly optional: boolean;
  readonly start: number;
}

export type ExpressionNode = LiteralNode | CallNode | PropertyNode | IndexNode;

/** A parsed expression with the text it came from (the text is quoted in error messages). */
export interface ParsedExpression {
  readonly source: string;
  readonly root: ExpressionNode;
}
