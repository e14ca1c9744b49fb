/**
 * Collection functions (spec §3.5 "Collection"). They work on strings, arrays and, for contains, empty,
 * union and intersection, objects. Membership uses the structural equality of equals(); first/last of an
 * empty collection give null [I].
 */
import { valuesEqual } from '../compare.ts';
import { argumentTypeError, invalidArgumentError } from '../errors.ts';
import { toDisplayString } from '../stringify.ts';
import {
  fromJson,
  isArray,
  isObject,
  objectFromEntries,
  ownProperty,
  type Value,
  type ValueObject,
} from '../values.ts';
import { arrayArg, smallIntegerArg, stringArg } from './arguments.ts';
import { eager, type FunctionDefinition } from './function-types.ts';

function contains(args: readonly Value[]): Value {
  const [collection = null, item = null] = args;
  if (typeof collection === 'string') return collection.includes(stringArg('contains', args, 1));
  if (isArray(collection)) return collection.some((element) => valuesEqual(fromJson(element), item));
  if (isObject(collection)) return ownProperty(collection, stringArg('contains', args, 1)) !== undefined;
  throw argumentTypeError('contains', 0, 2, 'a string, an array or an object', collection);
}

function empty(args: readonly Value[]): Value {
  const [collection = null] = args;
  if (collection === null) return true;
  if (typeof collection === 'string' || isArray(collection)) return collection.length === 0;
  if (isObject(collection)) return Object.keys(collection).length === 0;
  throw argumentTypeError('empty', 0, 1, 'a string, an array or an object', collection);
}

function edge(fn: 'first' | 'last', args: readonly Value[]): Value {
  const [collection = null] = args;
  if (collection === null) return null;
  if (typeof collection !== 'string' && !isArray(collection)) {
    throw argumentTypeError(fn, 0, 1, 'an array or a string', collection);
  }
  if (collection.length === 0) return null;
  return fromJson(collection[fn === 'first' ? 0 : collection.length - 1]);
}

function length(args: readonly Value[]): Value {
  const [collection = null] = args;
  if (typeof collection === 'string' || isArray(collection)) return collection.length;
  throw argumentTypeError('length', 0, 1, 'an array or a string', collection);
}

function join(args: readonly Value[]): Value {
  const array = arrayArg('join', args, 0);
  const delimiter = stringArg('join', args, 1);
  return array.map((item) => toDisplayString(fromJson(item))).join(delimiter);
}

function countArg(fn: string, args: readonly Value[]): number {
  const count = smallIntegerArg(fn, args, 1);
  if (count < 0) throw invalidArgumentError(fn, `The count '${count}' must be a non-negative integer.`);
  return count;
}

function take(args: readonly Value[]): Value {
  const [collection = null] = args;
  const count = countArg('take', args);
  if (typeof collection === 'string' || isArray(collection)) return collection.slice(0, count);
  throw argumentTypeError('take', 0, 2, 'an array or a string', collection);
}

function distinct(items: readonly Value[]): Value[] {
  const result: Value[] = [];
  for (const item of items) if (!result.some((kept) => valuesEqual(kept, item))) result.push(item);
  return result;
}

/** All arguments must be arrays, or all objects (spec: "Array or Object, but not both"). */
function collectionsOf(
  fn: string,
  args: readonly Value[],
): { arrays: (readonly Value[])[] } | { objects: ValueObject[] } {
  if (isArray(args[0] ?? null)) return { arrays: args.map((_, i) => arrayArg(fn, args, i).map(fromJson)) };
  return {
    objects: args.map((arg, i) => {
      if (!isObject(arg)) throw argumentTypeError(fn, i, args.length, 'an array or an object', arg);
      return arg;
    }),
  };
}

function union(args: readonly Value[]): Value {
  const collections = collectionsOf('union', args);
  if ('arrays' in collections) return distinct(collections.arrays.flat());
  const merged = new Map<string, Value>();
  for (const object of collections.objects) {
    for (const key of Object.keys(object)) merged.set(key, ownProperty(object, key) ?? null);
  }
  return objectFromEntries(merged);
}

function intersection(args: readonly Value[]): Value {
  const collections = collectionsOf('intersection', args);
  if ('arrays' in collections) {
    const [first = [], ...rest] = collections.arrays;
    const common = first.filter((item) =>
      rest.every((other) => other.some((element) => valuesEqual(element, item))),
    );
    return distinct(common);
  }
  const [first, ...rest] = collections.objects;
  if (first === undefined) return {};
  const entries: [string, Value][] = [];
  for (const key of Object.keys(first)) {
    const value = ownProperty(first, key) ?? null;
    const everywhere = rest.every((other) => {
      const candidate = ownProperty(other, key);
      return candidate !== undefined && valuesEqual(candidate, value);
    });
    if (everywhere) entries.push([key, value]);
  }
  return objectFromEntries(entries);
}

export function collectionFunctions(): FunctionDefinition[] {
  return [
    eager('contains', 2, 2, contains),
    eager('empty', 1, 1, empty),
    eager('first', 1, 1, (args) => edge('first', args)),
    eager('last', 1, 1, (args) => edge('last', args)),
    eager('intersection', 1, Infinity, intersection),
    eager('union', 1, Infinity, union),
    eager('join', 2, 2, join),
    eager('length', 1, 1, length),
    eager('skip', 2, 2, (args) => arrayArg('skip', args, 0).slice(countArg('skip', args))),
    eager('take', 2, 2, take),
  ];
}
