/**
 * Encoding functions (spec §3.5 "Conversion"): base64, binary values, data URIs and URI components. Text is
 * UTF-8. uriComponent escapes like .NET's Uri.EscapeDataString, so unlike JavaScript's encodeURIComponent it
 * also escapes `!'()*` [I]; decoding leaves malformed `%` sequences as they are.
 */
import { argumentTypeError, invalidArgumentError } from '../errors.ts';
import { toDisplayString } from '../stringify.ts';
import { OCTET_STREAM, asBinary, BinaryValue, type Value } from '../values.ts';
import { stringArg } from './arguments.ts';
import { eager, type FunctionDefinition } from './function-types.ts';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATA_URI = /^data:([^,]*?)(;base64)?,(.*)$/is;

/** Bytes of a value: a binary value's content, otherwise the UTF-8 of its string form. */
function bytesOf(fn: string, value: Value): Uint8Array {
  if (value === null) throw argumentTypeError(fn, 0, 1, 'a string or a binary value', value);
  const binary = asBinary(value);
  return binary === undefined ? Buffer.from(toDisplayString(value), 'utf8') : binary.bytes;
}

function decodeBase64(fn: string, args: readonly Value[]): Buffer {
  const text = stringArg(fn, args, 0).replace(/\s+/g, '');
  if (!BASE64.test(text)) throw invalidArgumentError(fn, `The value '${text}' is not a valid base64 string.`);
  return Buffer.from(text, 'base64');
}

function parseDataUri(fn: string, args: readonly Value[]): BinaryValue {
  const text = stringArg(fn, args, 0);
  const match = DATA_URI.exec(text);
  if (match === null) throw invalidArgumentError(fn, `The value '${text}' is not a valid data URI.`);
  const [, mediaType = '', base64Flag, data = ''] = match;
  const bytes = base64Flag === undefined ? unescapeBytes(data) : Buffer.from(data, 'base64');
  return new BinaryValue(mediaType === '' ? 'text/plain;charset=US-ASCII' : mediaType, bytes);
}

function dataUri(args: readonly Value[]): Value {
  const value = args[0] ?? null;
  const binary = asBinary(value);
  const type = binary === undefined ? 'text/plain;charset=utf-8' : binary.contentType;
  return `data:${type};base64,${Buffer.from(bytesOf('dataUri', value)).toString('base64')}`;
}

/** Uri.EscapeDataString: everything except unreserved characters, as UTF-8 `%XX` with upper-case hex. */
function escapeDataString(text: string): string {
  let result = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    result += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return result;
}

/** Uri.UnescapeDataString as bytes: `%XX` sequences decoded, everything else kept. */
function unescapeBytes(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text.charAt(i) === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      const code = text.codePointAt(i) ?? 0;
      const char = String.fromCodePoint(code);
      bytes.push(...Buffer.from(char, 'utf8'));
      i += char.length - 1;
    }
  }
  return Buffer.from(bytes);
}

function decodeComponent(fn: string, args: readonly Value[]): string {
  return unescapeBytes(stringArg(fn, args, 0)).toString('utf8');
}

function encodeComponent(fn: string) {
  return eager(fn, 1, 1, (args) => {
    const value = args[0] ?? null;
    if (value === null) throw argumentTypeError(fn, 0, 1, 'a string', value);
    return escapeDataString(toDisplayString(value));
  });
}

export function encodingFunctions(): FunctionDefinition[] {
  return [
    eager('base64', 1, 1, (args) => Buffer.from(bytesOf('base64', args[0] ?? null)).toString('base64')),
    eager('base64ToString', 1, 1, (args) => decodeBase64('base64ToString', args).toString('utf8')),
    eager('decodeBase64', 1, 1, (args) => decodeBase64('decodeBase64', args).toString('utf8')),
    eager(
      'base64ToBinary',
      1,
      1,
      (args) => new BinaryValue(OCTET_STREAM, decodeBase64('base64ToBinary', args)),
    ),
    eager('binary', 1, 1, (args) => new BinaryValue(OCTET_STREAM, bytesOf('binary', args[0] ?? null))),
    eager('dataUri', 1, 1, dataUri),
    eager('dataUriToBinary', 1, 1, (args) => parseDataUri('dataUriToBinary', args)),
    eager('decodeDataUri', 1, 1, (args) => parseDataUri('decodeDataUri', args)),
    eager('dataUriToString', 1, 1, (args) =>
      Buffer.from(parseDataUri('dataUriToString', args).bytes).toString('utf8'),
    ),
    encodeComponent('encodeUriComponent'),
    encodeComponent('uriComponent'),
    eager('decodeUriComponent', 1, 1, (args) => decodeComponent('decodeUriComponent', args)),
    eager('uriComponentToString', 1, 1, (args) => decodeComponent('uriComponentToString', args)),
    eager(
      'uriComponentToBinary',
      1,
      1,
      (args) => new BinaryValue(OCTET_STREAM, unescapeBytes(stringArg('uriComponentToBinary', args, 0))),
    ),
  ];
}
