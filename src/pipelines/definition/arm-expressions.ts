/**
 * ARM template expressions (`"[parameters('x')]"`, `"[concat(...)]"`), which Azure resolves at deployment
 * time and which are not Data Factory expressions. A pipeline exported as an ARM template carries them in
 * resource names and, with a custom parameterisation, in any property. The loader resolves the small subset
 * exports use: string and number literals, parameters(), variables(), concat() and property access. Any
 * other function is refused by name, so the user knows to deploy the template or replace the value.
 */

/** Where parameters() and variables() read from; both throw ArmExpressionError for an unknown name. */
export interface ArmScope {
  parameter(name: string): unknown;
  variable(name: string): unknown;
}

export class ArmExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArmExpressionError';
  }
}

/** ARM treats a string that starts with `[` and ends with `]` as an expression, unless it starts `[[`. */
export function isArmExpression(text: string): boolean {
  return text.startsWith('[') && !text.startsWith('[[') && text.endsWith(']');
}

/** `[[x]` is ARM's escape for a literal string starting with `[`. */
export function unescapeArmLiteral(text: string): string {
  return text.startsWith('[[') ? text.slice(1) : text;
}

type Token =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'name'; value: string }
  | { kind: 'punct'; value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const char = source.charAt(at);
    if (/\s/.test(char)) {
      at++;
    } else if (char === "'") {
      let value = '';
      at++;
      for (;;) {
        if (at >= source.length) throw new ArmExpressionError(`unterminated string in '${source}'`);
        if (source.charAt(at) === "'" && source.charAt(at + 1) === "'") {
          value += "'";
          at += 2;
        } else if (source.charAt(at) === "'") {
          at++;
          break;
        } else {
          value += source.charAt(at++);
        }
      }
      tokens.push({ kind: 'string', value });
    } else if (/[-\d]/.test(char)) {
      const match = /^-?\d+(\.\d+)?/.exec(source.slice(at));
      if (match === null) throw new ArmExpressionError(`unexpected '${char}' in '${source}'`);
      tokens.push({ kind: 'number', value: Number(match[0]) });
      at += match[0].length;
    } else if (/[A-Za-z_]/.test(char)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(at))?.[0] ?? char;
      tokens.push({ kind: 'name', value: name });
      at += name.length;
    } else if ('(),.[]'.includes(char)) {
      tokens.push({ kind: 'punct', value: char });
      at++;
    } else {
      throw new ArmExpressionError(`unexpected '${char}' in '${source}'`);
    }
  }
  return tokens;
}

/** Evaluates the text of an ARM expression string, brackets included. */
export function evaluateArmExpression(text: string, scope: ArmScope): unknown {
  const tokens = tokenize(text.slice(1, -1));
  const parser = new ArmParser(tokens, scope, text);
  const value = parser.expression();
  parser.expectEnd();
  return value;
}

class ArmParser {
  private readonly tokens: Token[];
  private readonly scope: ArmScope;
  private readonly source: string;
  private at = 0;

  constructor(tokens: Token[], scope: ArmScope, source: string) {
    this.tokens = tokens;
    this.scope = scope;
    this.source = source;
  }

  expectEnd(): void {
    if (this.at < this.tokens.length) throw new ArmExpressionError(`unexpected text in '${this.source}'`);
  }

  expression(): unknown {
    let value = this.primary();
    for (;;) {
      if (this.takePunct('.')) {
        const token = this.tokens[this.at++];
        if (token?.kind !== 'name')
          throw new ArmExpressionError(`expected a property name in '${this.source}'`);
        value = this.member(value, token.value);
      } else if (this.takePunct('[')) {
        const key = this.expression();
        this.expectPunct(']');
        value = this.member(value, key);
      } else {
        return value;
      }
    }
  }

  private primary(): unknown {
    const token = this.tokens[this.at++];
    if (token === undefined) throw new ArmExpressionError(`'${this.source}' ends too early`);
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind !== 'name')
      throw new ArmExpressionError(`unexpected '${token.value}' in '${this.source}'`);
    this.expectPunct('(');
    const args: unknown[] = [];
    if (!this.takePunct(')')) {
      do args.push(this.expression());
      while (this.takePunct(','));
      this.expectPunct(')');
    }
    return this.call(token.value, args);
  }

  private call(name: string, args: unknown[]): unknown {
    const lower = name.toLowerCase();
    if (lower === 'parameters' || lower === 'variables') {
      const [key] = args;
      if (args.length !== 1 || typeof key !== 'string') {
        throw new ArmExpressionError(`${name}() takes one string in '${this.source}'`);
      }
      return lower === 'parameters' ? this.scope.parameter(key) : this.scope.variable(key);
    }
    if (lower === 'concat') {
      if (args.every(Array.isArray)) return args.flat();
      return args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join('');
    }
    throw new ArmExpressionError(
      `the ARM function '${name}' in '${this.source}' cannot be resolved here (only parameters(), variables() ` +
        'and concat() can); replace it with its value or import the pipeline in Git JSON form',
    );
  }

  private member(value: unknown, key: unknown): unknown {
    if (typeof value === 'object' && value !== null && (typeof key === 'string' || typeof key === 'number')) {
      const found: unknown = (value as Record<string, unknown>)[String(key)];
      if (found !== undefined) return found;
    }
    throw new ArmExpressionError(`property '${String(key)}' does not exist in '${this.source}'`);
  }

  private takePunct(value: string): boolean {
    const token = this.tokens[this.at];
    if (token?.kind === 'punct' && token.value === value) {
      this.at++;
      return true;
    }
    return false;
  }

  private expectPunct(value: string): void {
    if (!this.takePunct(value)) throw new ArmExpressionError(`expected '${value}' in '${this.source}'`);
  }
}
