/**
 * Equality and ordering (spec §3.4). equals() is structural: arrays element by element, objects by key set
 * and values, numbers by value across int and float, and a boolean equals the number 1 or 0 as the docs
 * show for `equals(true, 1)`. Strings compare ordinally for equality but culture-aware for greater/less,
 * where the engine sorts `abc` before `Abc`.
 */
import {
  BinaryValue,
  fromJson,
  isArray,
  isInteger,
  isNumber,
  isObject,
  toBigInt,
  toDouble,
  type Value,
} from './values.ts';

export function valuesEqual(left: Value, right: Value): boolean {
  if (isNumber(left) || isNumber(right)) return numbersEqual(left, right);
  if (left === null || right === null) return left === right;
  if (typeof left !== 'object' || typeof right !== 'object') return left === right;
  if (left instanceof BinaryValue || right instanceof BinaryValue) return binaryEqual(left, right);
  if (isArray(left) || isArray(right)) {
    return (
      isArray(left) &&
      isArray(right) &&
      left.length === right.length &&
      left.every((item, i) => valuesEqual(fromJson(item), fromJson(right[i])))
    );
  }
  if (!isObject(left) || !isObject(right)) return false;
  const leftKeys = Object.keys(left);
  if (leftKeys.length !== Object.keys(right).length) return false;
  return leftKeys.every(
    (key) => Object.hasOwn(right, key) && valuesEqual(fromJson(left[key]), fromJson(right[key])),
  );
}

function numbersEqual(left: Value, right: Value): boolean {
  const a = typeof left === 'boolean' ? Number(left) : left;
  const b = typeof right === 'boolean' ? Number(right) : right;
  if (!isNumber(a) || !isNumber(b)) return false;
  if (isInteger(a) && isInteger(b)) return toBigInt(a) === toBigInt(b);
  return toDouble(a) === toDouble(b);
}

function binaryEqual(left: Value, right: Value): boolean {
  if (!(left instanceof BinaryValue) || !(right instanceof BinaryValue)) return false;
  return left.contentType === right.contentType && Buffer.from(left.bytes).equals(Buffer.from(right.bytes));
}

/**
 * Orders two numbers or two strings; undefined when the pair cannot be ordered (mixed or other types), so
 * the caller can raise its own error.
 */
export function compareValues(left: Value, right: Value, collator: Intl.Collator): number | undefined {
  if (isNumber(left) && isNumber(right)) {
    if (isInteger(left) && isInteger(right)) {
      const a = toBigInt(left);
      const b = toBigInt(right);
      return a < b ? -1 : a > b ? 1 : 0;
    }
    const a = toDouble(left);
    const b = toDouble(right);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof left === 'string' && typeof right === 'string') return Math.sign(collator.compare(left, right));
  return undefined;
}
