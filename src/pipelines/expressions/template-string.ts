/**
 * Classifies a JSON string as Data Factory does (spec §3.1): `@expr` is one expression whose result keeps
 * its type, `@@...` is a literal with the first `@` removed, a string containing `@{...}` is interpolated
 * (always giving a string, with `@@{` standing for a literal `@{`), and anything else is a literal. The
 * `@{` scanner skips quoted string literals so `'}'` inside them does not end the interpolation.
 */
import type { ParsedExpression } from './ast.ts';
import { ExpressionError } from './contract.ts';
import { parseExpression } from './parser.ts';

export type TemplatePart = string | ParsedExpression;

export type TemplateString =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'expression'; readonly expression: ParsedExpression }
  | { readonly kind: 'interpolation'; readonly parts: readonly TemplatePart[] };

/** Whether a plain JSON string would be evaluated at all (spec §1.7 item 3). */
export function looksLikeExpression(text: string): boolean {
  return text.startsWith('@') || text.includes('@{');
}

export function parseTemplateString(text: string): TemplateString {
  if (text.startsWith('@@')) return { kind: 'literal', value: text.slice(1) };
  if (text.startsWith('@') && !text.startsWith('@{')) {
    const source = text.slice(1).trim();
    if (source === '')
      throw new ExpressionError(
        `The template language expression '${text}' is not valid: the expression is empty.`,
      );
    return { kind: 'expression', expression: parseExpression(source) };
  }
  if (text.includes('@{')) return { kind: 'interpolation', parts: parseInterpolation(text) };
  return { kind: 'literal', value: text };
}

function parseInterpolation(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  let position = 0;
  while (position < text.length) {
    if (text.startsWith('@@{', position)) {
      literal += '@{';
      position += 3;
    } else if (text.startsWith('@{', position)) {
      const end = findClosingBrace(text, position + 2);
      if (literal !== '') parts.push(literal);
      literal = '';
      const source = text.slice(position + 2, end).trim();
      if (source === '')
        throw new ExpressionError(
          `The template language expression '${text}' is not valid: the interpolation '@{}' is empty.`,
        );
      parts.push(parseExpression(source));
      position = end + 1;
    } else {
      literal += text.charAt(position);
      position++;
    }
  }
  if (literal !== '') parts.push(literal);
  return parts;
}

/** The index of the `}` closing an interpolation that starts at `start`. */
function findClosingBrace(text: string, start: number): number {
  let depth = 0;
  let position = start;
  while (position < text.length) {
    const char = text.charAt(position);
    if (char === "'") {
      position = skipQuoted(text, position);
      continue;
    }
    if (char === '{') depth++;
    if (char === '}') {
      if (depth === 0) return position;
      depth--;
    }
    position++;
  }
  throw new ExpressionError(
    `The template language expression '${text}' is not valid: the interpolation starting at position '${start - 2}' is not closed with '}'.`,
  );
}

/** The position after a quoted literal (with `''` escapes) that starts at `start`; the text end if unclosed. */
function skipQuoted(text: string, start: number): number {
  let position = start + 1;
  while (position < text.length) {
    if (text.charAt(position) === "'") {
      if (text.charAt(position + 1) !== "'") return position + 1;
      position++;
    }
    position++;
  }
  return position;
}
