/**
 * Turning values into text the way the .NET engine does (spec §3.4), not the way JavaScript does: booleans
 * are `True`/`False`, floats use .NET's shortest round-trip form with `E+XX` exponents, null is empty, and
 * arrays/objects become compact JSON text written like Newtonsoft (whole floats keep a `.0`, booleans stay
 * lowercase). Used by concat, string(), join and `@{...}` interpolation.
 */
import { BinaryValue, FloatNumber, XML_CONTENT_TYPE, fromJson, isObject, type Value } from './values.ts';

/** .NET Core `double.ToString()`: shortest round-trip digits; scientific below 1e-4 and from 1e15. */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  // JavaScript already prints fixed notation for every value in .NET's fixed range [1e-4, 1e15).
  if (exponent > -5 && exponent < 15) return value.toString();
  const sign = exponent < 0 ? '-' : '+';
  return `${mantissa.toUpperCase()}E${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** The text `string()`/`concat()` produce for a value. */
export function toDisplayString(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number')
    return Number.isInteger(value) && Math.abs(value) < 2 ** 63 ? integerText(value) : formatDouble(value);
  if (value instanceof FloatNumber) return formatDouble(value.value);
  if (value instanceof BinaryValue) return binaryText(value);
  return toJsonText(value);
}

function integerText(value: number): string {
  return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
}

/** Text and XML content read as text; other binary content as base64 (spec §3.5 [I]). */
function binaryText(value: BinaryValue): string {
  const type = value.contentType.toLowerCase();
  if (
    type.startsWith('text/') ||
    type === XML_CONTENT_TYPE ||
    type.startsWith('application/xml') ||
    type.startsWith('application/json')
  ) {
    return Buffer.from(value.bytes).toString('utf8');
  }
  return Buffer.from(value.bytes).toString('base64');
}

/** Compact JSON text in Newtonsoft's style. */
export function toJsonText(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return jsonString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return jsonNumber(value);
  if (value instanceof FloatNumber) return jsonFloat(value.value);
  if (value instanceof BinaryValue) {
    const content = Buffer.from(value.bytes).toString('base64');
    return `{"$content-type":${jsonString(value.contentType)},"$content":${jsonString(content)}}`;
  }
  if (Array.isArray(value))
    return `[${(value as readonly Value[]).map((item) => toJsonText(fromJson(item))).join(',')}]`;
  if (isObject(value)) {
    const members = Object.entries(value).map(
      ([key, item]) => `${jsonString(key)}:${toJsonText(fromJson(item))}`,
    );
    return `{${members.join(',')}}`;
  }
  return 'null';
}

function jsonNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 63) return integerText(value);
  return jsonFloat(value);
}

function jsonFloat(value: number): string {
  if (!Number.isFinite(value)) return formatDouble(value);
  const text = formatDouble(value);
  return /[.E]/.test(text) ? text : `${text}.0`;
}

function jsonString(text: string): string {
  return JSON.stringify(text).replace(
    /[\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
