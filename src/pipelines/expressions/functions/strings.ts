/**
 * String functions (spec §3.5 "String"). startsWith, endsWith, indexOf and lastIndexOf ignore case; replace
 * is case-sensitive. Case mapping is invariant (JavaScript's toLowerCase/toUpperCase are locale-free).
 */
import { invalidArgumentError, invalidFormatError } from '../errors.ts';
import { toDisplayString } from '../stringify.ts';
import type { Value } from '../values.ts';
import { optionalStringArg, smallIntegerArg, stringArg } from './arguments.ts';
import { eager, type FunctionDefinition } from './function-types.ts';

function concat(args: readonly Value[]): Value {
  return args.map((arg) => toDisplayString(arg)).join('');
}

function foldedPair(fn: string, args: readonly Value[]): [string, string] {
  return [stringArg(fn, args, 0).toLowerCase(), stringArg(fn, args, 1).toLowerCase()];
}

function lastIndexOf(args: readonly Value[]): Value {
  const [text, search] = foldedPair('lastIndexOf', args);
  return search === '' ? text.length : text.lastIndexOf(search);
}

function replace(args: readonly Value[]): Value {
  const text = stringArg('replace', args, 0);
  const oldText = stringArg('replace', args, 1);
  const newText = stringArg('replace', args, 2);
  if (oldText === '') throw invalidArgumentError('replace', 'The string to replace cannot be empty.');
  return text.split(oldText).join(newText);
}

function substring(args: readonly Value[]): Value {
  const text = stringArg('substring', args, 0);
  const start = smallIntegerArg('substring', args, 1);
  const length = args.length > 2 ? smallIntegerArg('substring', args, 2) : text.length - start;
  if (start < 0 || length < 0 || start + length > text.length) {
    throw invalidArgumentError(
      'substring',
      "The parameters are out of range: 'start index' and 'length' must be non-negative integers and their sum must be no larger than the length of the string.",
    );
  }
  return text.slice(start, start + length);
}

/** guid([format]) from the context's generator, re-formatted per .NET Guid.ToString (N, D, B, P, X). */
function guid(args: readonly Value[], newGuid: () => string): Value {
  const format = (optionalStringArg('guid', args, 0) ?? 'D').toUpperCase();
  const hex = newGuid()
    .replace(/[^0-9a-fA-F]/g, '')
    .toLowerCase()
    .padEnd(32, '0')
    .slice(0, 32);
  const d = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  switch (format) {
    case 'N':
      return hex;
    case 'D':
      return d;
    case 'B':
      return `{${d}}`;
    case 'P':
      return `(${d})`;
    case 'X': {
      const bytes = (hex.slice(16).match(/../g) ?? []).map((pair) => `0x${pair}`).join(',');
      return `{0x${hex.slice(0, 8)},0x${hex.slice(8, 12)},0x${hex.slice(12, 16)},{${bytes}}}`;
    }
    default:
      throw invalidFormatError('guid', format);
  }
}

function split(args: readonly Value[]): Value {
  const text = stringArg('split', args, 0);
  const delimiter = stringArg('split', args, 1);
  return delimiter === '' ? [text] : text.split(delimiter);
}

export function stringFunctions(): FunctionDefinition[] {
  return [
    eager('concat', 1, Infinity, concat),
    eager('endsWith', 2, 2, (args) => {
      const [text, search] = foldedPair('endsWith', args);
      return text.endsWith(search);
    }),
    eager('startsWith', 2, 2, (args) => {
      const [text, search] = foldedPair('startsWith', args);
      return text.startsWith(search);
    }),
    eager('guid', 0, 1, (args, env) => guid(args, () => env.context.newGuid())),
    eager('indexOf', 2, 2, (args) => {
      const [text, search] = foldedPair('indexOf', args);
      return text.indexOf(search);
    }),
    eager('lastIndexOf', 2, 2, lastIndexOf),
    eager('replace', 3, 3, replace),
    eager('split', 2, 2, split),
    eager('substring', 2, 3, substring),
    eager('toLower', 1, 1, (args) => stringArg('toLower', args, 0).toLowerCase()),
    eager('toUpper', 1, 1, (args) => stringArg('toUpper', args, 0).toUpperCase()),
    eager('trim', 1, 1, (args) => stringArg('trim', args, 0).trim()),
  ];
}
