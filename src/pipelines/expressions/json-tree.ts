/**
 * Walking pipeline JSON the way Data Factory evaluates it (spec §1.7): Expression objects and (optionally)
 * plain strings starting with `@` or containing `@{` are expressions; SecureString objects are secrets, not
 * expressions; keys containing "activities" hold nested activity lists that their container evaluates later
 * in its own scope, so they are left untouched.
 */
import { looksLikeExpression } from './template-string.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The text of an Expression object (`{"value": "...", "type": "Expression"}`), if `value` is one. */
function expressionText(value: Record<string, unknown>): string | undefined {
  const type = value.type;
  const text = value.value;
  return typeof type === 'string' && type.toLowerCase() === 'expression' && typeof text === 'string'
    ? text
    : undefined;
}

function isSecureString(value: Record<string, unknown>): boolean {
  return typeof value.type === 'string' && value.type.toLowerCase() === 'securestring';
}

function isActivitiesKey(key: string): boolean {
  return key.toLowerCase().includes('activities');
}

export function mapTree(value: unknown, evaluate: (text: string) => unknown, plainStrings: boolean): unknown {
  if (typeof value === 'string') return plainStrings && looksLikeExpression(value) ? evaluate(value) : value;
  if (Array.isArray(value)) return value.map((item: unknown) => mapTree(item, evaluate, plainStrings));
  if (!isRecord(value)) return value;
  const text = expressionText(value);
  if (text !== undefined) return evaluate(text);
  if (isSecureString(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      isActivitiesKey(key) ? item : mapTree(item, evaluate, plainStrings),
    ]),
  );
}

export function walkTree(
  value: unknown,
  path: string,
  plainStrings: boolean,
  visit: (text: string, path: string) => void,
): void {
  if (typeof value === 'string') {
    if (plainStrings && looksLikeExpression(value)) visit(value, path);
  } else if (Array.isArray(value)) {
    value.forEach((item: unknown, i) => {
      walkTree(item, `${path}[${i}]`, plainStrings, visit);
    });
  } else if (isRecord(value)) {
    const text = expressionText(value);
    if (text !== undefined) {
      visit(text, path);
      return;
    }
    if (isSecureString(value)) return;
    for (const [key, item] of Object.entries(value)) {
      if (!isActivitiesKey(key)) walkTree(item, childPath(path, key), plainStrings, visit);
    }
  }
}

function childPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}
