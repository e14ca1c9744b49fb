/**
 * The value model of the expression language (spec §3.4, §7.2). Values that come from the runner are plain
 * JSON and are used as they are, so reading a 4 MB activity output costs nothing. The engine needs two
 * distinctions JSON.parse cannot keep, and marks only those: a float whose value is whole (`float('3')`,
 * `1.0`, `add(0.5, 0.5)`) is wrapped in FloatNumber so `div` stays a float division and JSON text keeps
 * `3.0`; an integer beyond 2^53 (`ticks()`) is a bigint. Any other JS number is an integer when it is whole
 * and within 64 bits, and a float otherwise. Binary values (`binary()`, `xml()`) are BinaryValue. Results
 * leave the engine through toJsonValue, which turns these back into plain JSON (losing precision for
 * integers beyond 2^53 and the float-ness of whole floats, as JSON itself does in JavaScript).
 */

/** A float whose value happens to be whole; other floats are plain non-integral numbers. */
export class FloatNumber {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

/** Opaque bytes with a content type; the engine's `{"$content-type", "$content"}` values. */
export class BinaryValue {
  readonly contentType: string;
  readonly bytes: Uint8Array;
  constructor(contentType: string, bytes: Uint8Array) {
    this.contentType = contentType;
    this.bytes = bytes;
  }
}

export type Value =
  null | boolean | string | number | bigint | FloatNumber | BinaryValue | readonly Value[] | ValueObject;

export interface ValueObject {
  readonly [key: string]: Value;
}

export type ValueKind = 'Null' | 'Boolean' | 'String' | 'Integer' | 'Float' | 'Array' | 'Object' | 'Binary';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TWO_POW_63 = 2 ** 63;

export const XML_CONTENT_TYPE = 'application/xml;charset=utf-8';
export const OCTET_STREAM = 'application/octet-stream';

/** Values from the runner are JSON; `undefined` (an absent optional field) reads as null. */
export function fromJson(value: unknown): Value {
  return value === undefined ? null : (value as Value);
}

export function isInteger(value: Value): value is number | bigint {
  if (typeof value === 'bigint') return true;
  return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < TWO_POW_63;
}

export function isFloat(value: Value): value is number | FloatNumber {
  return value instanceof FloatNumber || (typeof value === 'number' && !isInteger(value));
}

export function isNumber(value: Value): value is number | bigint | FloatNumber {
  return typeof value === 'number' || typeof value === 'bigint' || value instanceof FloatNumber;
}

export function isArray(value: Value): value is readonly Value[] {
  return Array.isArray(value);
}

export function isObject(value: Value): value is ValueObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof FloatNumber) &&
    !(value instanceof BinaryValue)
  );
}

export function kindOf(value: Value): ValueKind {
  if (value === null) return 'Null';
  if (typeof value === 'boolean') return 'Boolean';
  if (typeof value === 'string') return 'String';
  if (isInteger(value)) return 'Integer';
  if (isFloat(value)) return 'Float';
  if (value instanceof BinaryValue) return 'Binary';
  return Array.isArray(value) ? 'Array' : 'Object';
}

/** The double a number stands for (exact for integers below 2^53). */
export function toDouble(value: number | bigint | FloatNumber): number {
  if (value instanceof FloatNumber) return value.value;
  return Number(value);
}

export function toBigInt(value: number | bigint): bigint {
  return typeof value === 'bigint' ? value : BigInt(value);
}

/** A 64-bit integer result as the smallest representation, or undefined when it overflows 64 bits. */
export function makeInteger(value: bigint): number | bigint | undefined {
  if (value < INT64_MIN || value > INT64_MAX) return undefined;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

/** A float result; whole values are wrapped so they stay floats. */
export function makeFloat(value: number): number | FloatNumber {
  return Number.isInteger(value) && Math.abs(value) < TWO_POW_63 ? new FloatNumber(value) : value;
}

/** Own property lookup that never reaches Object.prototype (`constructor`, `__proto__`). */
export function ownProperty(object: ValueObject, key: string): Value | undefined {
  return Object.hasOwn(object, key) ? fromJson(object[key]) : undefined;
}

/** Builds an object from entries; safe for keys such as `__proto__`. */
export function objectFromEntries(entries: Iterable<readonly [string, Value]>): ValueObject {
  return Object.fromEntries<Value>(entries);
}

/**
 * Converts an engine value back to plain JSON for the runner (spec §3.4; see the module comment). Arrays and
 * objects are always fresh copies, so a result never aliases the runner's parameters, variables or outputs
 * (an AppendVariable on a result cannot change a parameter).
 */
export function toJsonValue(value: Value): unknown {
  if (value instanceof FloatNumber) return value.value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof BinaryValue) return binaryToJson(value);
  if (Array.isArray(value)) return mapArray(value as readonly Value[]);
  if (isObject(value)) return mapObject(value);
  return value;
}

function binaryToJson(value: BinaryValue): { '$content-type': string; $content: string } {
  return { '$content-type': value.contentType, $content: Buffer.from(value.bytes).toString('base64') };
}

function mapArray(array: readonly Value[]): unknown[] {
  return array.map((item) => toJsonValue(fromJson(item)));
}

function mapObject(object: ValueObject): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, toJsonValue(fromJson(item))]));
}

/** Reads a `{"$content-type", "$content"}` object (a binary value that went through JSON) back as bytes. */
export function asBinary(value: Value): BinaryValue | undefined {
  if (value instanceof BinaryValue) return value;
  if (!isObject(value)) return undefined;
  const type = ownProperty(value, '$content-type');
  const content = ownProperty(value, '$content');
  if (typeof type !== 'string' || typeof content !== 'string') return undefined;
  return new BinaryValue(type, Buffer.from(content, 'base64'));
}
