/**
 * Splits expression text into tokens (spec §3.2). Strings use single quotes with `''` as the only escape;
 * numbers are 64-bit integers or doubles, with a leading `-` belonging to the literal because the language
 * has no operators. A float may also start with its point (`.3`, as in the docs' `sub(10.3, .3)`) where a
 * property accessor cannot stand, that is right after `(` or `,`.
 */
import { syntaxError } from './errors.ts';

export type TokenKind =
  | 'identifier'
  | 'string'
  | 'integer'
  | 'float'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'dot'
  | 'questionDot'
  | 'lbracket'
  | 'questionBracket'
  | 'rbracket'
  | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** The identifier name, the unescaped string, or the number text. */
  readonly text: string;
  readonly start: number;
}

const PUNCTUATION: Readonly<Record<string, TokenKind>> = {
  '(': 'lparen',
  ')': 'rparen',
  ',': 'comma',
  '.': 'dot',
  '[': 'lbracket',
  ']': 'rbracket',
};

const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;
const NUMBER_PATTERN = /-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < source.length) {
    const char = source.charAt(position);
    if (/\s/.test(char)) {
      position++;
      continue;
    }
    const previous = tokens.at(-1)?.kind;
    const numberAllowedHere = previous === undefined || previous === 'lparen' || previous === 'comma';
    if (
      DIGIT.test(char) ||
      char === '-' ||
      (char === '.' && numberAllowedHere && DIGIT.test(source.charAt(position + 1)))
    ) {
      const token = readNumber(source, position);
      tokens.push(token);
      position = token.start + numberLength(source, position);
      continue;
    }
    if (char === "'") {
      const [text, next] = readString(source, position);
      tokens.push({ kind: 'string', text, start: position });
      position = next;
      continue;
    }
    if (IDENTIFIER_START.test(char)) {
      let end = position + 1;
      while (end < source.length && IDENTIFIER_PART.test(source.charAt(end))) end++;
      tokens.push({ kind: 'identifier', text: source.slice(position, end), start: position });
      position = end;
      continue;
    }
    if (char === '?' && (source.charAt(position + 1) === '.' || source.charAt(position + 1) === '[')) {
      const kind = source.charAt(position + 1) === '.' ? 'questionDot' : 'questionBracket';
      tokens.push({ kind, text: source.slice(position, position + 2), start: position });
      position += 2;
      continue;
    }
    const kind = PUNCTUATION[char];
    if (kind === undefined) throw syntaxError(source, `the character '${char}' is not expected`, position);
    tokens.push({ kind, text: char, start: position });
    position++;
  }
  tokens.push({ kind: 'end', text: '', start: source.length });
  return tokens;
}

function numberLength(source: string, start: number): number {
  NUMBER_PATTERN.lastIndex = start;
  const match = NUMBER_PATTERN.exec(source);
  return match?.[0].length ?? 0;
}

function readNumber(source: string, start: number): Token {
  const length = numberLength(source, start);
  if (length === 0 || (source.charAt(start) === '-' && length === 1)) {
    throw syntaxError(source, `the character '${source.charAt(start)}' is not expected`, start);
  }
  const text = source.slice(start, start + length);
  if (IDENTIFIER_PART.test(source.charAt(start + length))) {
    throw syntaxError(
      source,
      `the character '${source.charAt(start + length)}' is not expected`,
      start + length,
    );
  }
  return { kind: /[.eE]/.test(text) ? 'float' : 'integer', text, start };
}

/** Reads `'...'` with `''` escapes; returns the text and the position after the closing quote. */
function readString(source: string, start: number): [string, number] {
  let text = '';
  let position = start + 1;
  while (position < source.length) {
    const char = source.charAt(position);
    if (char === "'") {
      if (source.charAt(position + 1) === "'") {
        text += "'";
        position += 2;
        continue;
      }
      return [text, position + 1];
    }
    text += char;
    position++;
  }
  throw syntaxError(source, 'the string literal is not terminated', start);
}
