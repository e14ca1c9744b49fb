/**
 * A JSON reader for the json() function that keeps what JSON.parse loses (spec §7.2): `1.0` stays a float,
 * integers beyond 2^53 stay exact (bigint), and keys such as `__proto__` stay ordinary keys. Like the
 * engine's Newtonsoft reader it also accepts single-quoted strings and unquoted property names, and the last
 * of duplicate keys wins. Objects and arrays nest at most MAX_NESTING deep, Newtonsoft's default MaxDepth, so
 * hostile text fails json() instead of the stack. No JSON library keeps both the number forms and the
 * lenient quoting (docs/decisions.md).
 */
import { makeFloat, makeInteger, objectFromEntries, type Value } from './values.ts';
import { MAX_NESTING } from '../nesting.ts';

export class JsonSyntaxError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.name = 'JsonSyntaxError';
    this.position = position;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const BARE_NAME = /[A-Za-z_$][A-Za-z0-9_$]*/y;

export function parseJsonText(text: string): Value {
  const reader = new JsonReader(text);
  const value = reader.value();
  reader.expectEnd();
  return value;
}

class JsonReader {
  private readonly text: string;
  private position = 0;
  private depth = 0;

  constructor(text: string) {
    this.text = text;
  }

  value(): Value {
    this.skipWhitespace();
    const char = this.text.charAt(this.position);
    if (char === '{') return this.object();
    if (char === '[') return this.array();
    if (char === '"' || char === "'") return this.string();
    if (char === '-' || (char >= '0' && char <= '9')) return this.number();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.position)) {
        this.position += word.length;
        return value;
      }
    }
    throw this.error(char === '' ? 'Unexpected end of text' : `Unexpected character '${char}'`);
  }

  expectEnd(): void {
    this.skipWhitespace();
    if (this.position < this.text.length)
      throw this.error(`Unexpected character '${this.text.charAt(this.position)}'`);
  }

  private enter(): void {
    this.position++;
    this.depth++;
    if (this.depth > MAX_NESTING) throw this.error(`The JSON nests deeper than ${MAX_NESTING} levels`);
  }

  private object(): Value {
    this.enter();
    const entries: [string, Value][] = [];
    this.skipWhitespace();
    if (this.consume('}')) return this.leave(objectFromEntries(entries));
    do {
      this.skipWhitespace();
      const key = this.propertyName();
      this.skipWhitespace();
      if (!this.consume(':')) throw this.error("Expected ':'");
      entries.push([key, this.value()]);
      this.skipWhitespace();
    } while (this.consume(','));
    if (!this.consume('}')) throw this.error("Expected ',' or '}'");
    return this.leave(objectFromEntries(entries));
  }

  private propertyName(): string {
    const char = this.text.charAt(this.position);
    if (char === '"' || char === "'") return this.string();
    BARE_NAME.lastIndex = this.position;
    const match = BARE_NAME.exec(this.text);
    if (match === null) throw this.error('Expected a property name');
    this.position += match[0].length;
    return match[0];
  }

  private leave(value: Value): Value {
    this.depth--;
    return value;
  }

  private array(): Value {
    this.enter();
    const items: Value[] = [];
    this.skipWhitespace();
    if (this.consume(']')) return this.leave(items);
    do {
      items.push(this.value());
      this.skipWhitespace();
    } while (this.consume(','));
    if (!this.consume(']')) throw this.error("Expected ',' or ']'");
    return this.leave(items);
  }

  private string(): string {
    const quote = this.text.charAt(this.position);
    let result = '';
    this.position++;
    while (this.position < this.text.length) {
      const char = this.text.charAt(this.position++);
      if (char === quote) return result;
      if (char !== '\\') {
        result += char;
        continue;
      }
      const escape = this.text.charAt(this.position++);
      if (escape === 'u') {
        const hex = this.text.slice(this.position, this.position + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.error('Invalid unicode escape');
        result += String.fromCharCode(parseInt(hex, 16));
        this.position += 4;
      } else {
        const mapped = ESCAPES[escape];
        if (mapped === undefined) throw this.error(`Invalid escape '\\${escape}'`);
        result += mapped;
      }
    }
    throw this.error('Unterminated string');
  }

  private number(): Value {
    NUMBER.lastIndex = this.position;
    const match = NUMBER.exec(this.text);
    if (match === null) throw this.error('Invalid number');
    const text = match[0];
    this.position += text.length;
    if (!/[.eE]/.test(text)) {
      const integer = makeInteger(BigInt(text));
      if (integer !== undefined) return integer;
    }
    return makeFloat(Number(text));
  }

  private consume(char: string): boolean {
    if (this.text.charAt(this.position) !== char) return false;
    this.position++;
    return true;
  }

  private skipWhitespace(): void {
    while (this.position < this.text.length && /\s/.test(this.text.charAt(this.position))) this.position++;
  }

  private error(message: string): JsonSyntaxError {
    return new JsonSyntaxError(message, this.position);
  }
}
