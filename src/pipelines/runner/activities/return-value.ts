/**
 * Decodes the typed entries of a `pipelineReturnValue` SetVariable (spec §2.7.4): each entry is
 * `{key, value: {type, content}}` with type Expression, String, Int, Float, Boolean, Null, Array or Object;
 * Array and Object contents are typed entries again. Expression contents are evaluated in the activity's
 * scope; literal contents are taken as written (a String starting with `@` stays text).
 */
import { ActivityFailure } from '../activity-failure.ts';

type Evaluate = (expressionText: string) => unknown;

function invalid(message: string): ActivityFailure {
  return new ActivityFailure('InvalidReturnValue', `pipelineReturnValue: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function decodeNumber(content: unknown, integer: boolean): number {
  const value = typeof content === 'string' && content.trim() !== '' ? Number(content) : content;
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw invalid(`${JSON.stringify(content)} is not a valid ${integer ? 'Int' : 'Float'}.`);
  }
  return value;
}

function decodeObject(content: unknown, evaluate: Evaluate): Record<string, unknown> {
  // Studio writes nested objects as key/value entries; a plain key → typed-value map is accepted too.
  if (Array.isArray(content)) return decodeReturnValue(content, evaluate);
  if (!isRecord(content)) throw invalid('an Object content must be a list of entries or an object.');
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(content)) result[key] = decodeTyped(value, evaluate);
  return result;
}

function decodeTyped(typed: unknown, evaluate: Evaluate): unknown {
  if (!isRecord(typed) || typeof typed.type !== 'string') return typed;
  const content = typed.content;
  switch (typed.type.toLowerCase()) {
    case 'expression':
      if (typeof content !== 'string') throw invalid('an Expression content must be text.');
      return evaluate(content);
    case 'string':
      return typeof content === 'string' ? content : JSON.stringify(content);
    case 'int':
      return decodeNumber(content, true);
    case 'float':
      return decodeNumber(content, false);
    case 'boolean':
      if (typeof content === 'boolean') return content;
      if (content === 'true' || content === 'false') return content === 'true';
      throw invalid(`${JSON.stringify(content)} is not a valid Boolean.`);
    case 'null':
      return null;
    case 'array':
      if (!Array.isArray(content)) throw invalid('an Array content must be a list.');
      return content.map((element) => decodeTyped(element, evaluate));
    case 'object':
      return decodeObject(content, evaluate);
    default:
      throw invalid(`unknown value type '${typed.type}'.`);
  }
}

/** The `{key: value}` map a list of typed entries stands for. */
export function decodeReturnValue(entries: unknown, evaluate: Evaluate): Record<string, unknown> {
  if (!Array.isArray(entries)) throw invalid('the value must be a list of {key, value} entries.');
  const result: Record<string, unknown> = {};
  for (const entry of entries) {
    if (!isRecord(entry) || typeof entry.key !== 'string') throw invalid('every entry needs a text key.');
    result[entry.key] = decodeTyped(entry.value, evaluate);
  }
  return result;
}
