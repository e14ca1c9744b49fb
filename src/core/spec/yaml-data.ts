/**
 * Plain data from YAML text the server is handed (conda files, MLmodel files). YAML's anchors and aliases
 * let a few bytes describe a structure that refers to itself or expands exponentially ("billion laughs");
 * either would hang a walker or crash a serializer with a 500. So the text is parsed with a bound on alias
 * expansion and the result is checked for cycles before any caller sees it; both are reported as a reason
 * the caller turns into a 400 naming its field.
 */
import { parseDocument } from 'yaml';

/** Alias expansions allowed in one document: far more than any conda or MLmodel file uses. */
export const MAX_YAML_ALIASES = 100;

export type YamlData = { ok: true; value: unknown } | { ok: false; reason: string };

/** Parses one YAML document into plain data, or says why it cannot be used. Never throws. */
export function parseYamlData(text: string): YamlData {
  let value: unknown;
  try {
    const document = parseDocument(text, { prettyErrors: false, logLevel: 'silent' });
    const first = document.errors[0];
    if (first !== undefined) return { ok: false, reason: firstLine(first.message) };
    value = document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    // The yaml package throws ReferenceError for alias bombs and unresolved aliases, and a deeply nested
    // document can exhaust the stack: all of them are bad input.
    const message = (error as Error).message;
    if (/excessive alias count/i.test(message)) {
      return { ok: false, reason: `it expands more than ${MAX_YAML_ALIASES} YAML aliases` };
    }
    return { ok: false, reason: firstLine(message) };
  }
  if (refersToItself(value)) {
    return { ok: false, reason: 'it has a YAML alias that refers to its own anchor (a cycle)' };
  }
  return { ok: true, value };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').trim();
}

/**
 * Whether a parsed value contains itself. Aliases become shared references, so a depth-first walk that
 * remembers finished nodes visits each object once however often it is shared, and an explicit stack
 * keeps deep documents off the call stack.
 */
export function refersToItself(root: unknown): boolean {
  const finished = new Set<object>();
  const open = new Set<object>();
  const stack: { node: object; children: unknown[] }[] = [];
  const enter = (value: unknown): boolean => {
    if (typeof value !== 'object' || value === null || finished.has(value)) return false;
    if (open.has(value)) return true;
    open.add(value);
    stack.push({ node: value, children: Object.values(value) });
    return false;
  };
  if (enter(root)) return true;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top === undefined) break;
    if (top.children.length === 0) {
      stack.pop();
      open.delete(top.node);
      finished.add(top.node);
    } else if (enter(top.children.pop())) {
      return true;
    }
  }
  return false;
}
