/**
 * How request bodies are read, with limits checked before any handler sees them. JSON bodies are parsed by
 * fastify's own parser (which refuses `__proto__` and `constructor` poisoning), then walked once, without
 * recursion, against the limits: nesting depth, string (and key) length, array length. A 400 names the
 * JSON path and the limit, so a deeply nested or enormous body never reaches code that recurses or copies
 * it. OAuth token requests are forms, read only on the token routes. Uploads are streamed to the
 * datastore, never buffered, and read only as `application/octet-stream` (or `binary/octet-stream`, or no
 * type at all, as curl and az send), with a size cap counted as the bytes arrive.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../core/errors.ts';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from './errors.ts';

export interface JsonLimits {
  maxDepth: number;
  /** Characters in one string or key. */
  maxString: number;
  maxArrayItems: number;
}

export const JSON_LIMITS: JsonLimits = { maxDepth: 64, maxString: 64 * 1024, maxArrayItems: 10_000 };

/** `properties.inputs[3].uri`, shortened so a hostile path cannot make the message huge. */
function render(path: readonly (string | number)[]): string {
  let text = '';
  for (const part of path) {
    const piece =
      typeof part === 'number'
        ? `[${part}]`
        : `${text === '' ? '' : '.'}${part.length > 40 ? `${part.slice(0, 40)}…` : part}`;
    if (text.length + piece.length > 200) return `${text}…`;
    text += piece;
  }
  return text === '' ? '(the body)' : text;
}

function refuse(message: string, path: readonly (string | number)[]): never {
  const target = render(path);
  throw new ValidationError(`The JSON body at '${target}' ${message}`, target);
}

/** Throws a ValidationError naming the first place the value breaks a limit. */
export function checkJsonLimits(value: unknown, limits: JsonLimits = JSON_LIMITS): void {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value: v, path } = next;
    if (typeof v === 'string') {
      if (v.length > limits.maxString)
        refuse(`is a string of ${v.length} characters; the limit is ${limits.maxString}.`, path);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (path.length >= limits.maxDepth)
      refuse(`is nested deeper than ${limits.maxDepth} levels, the limit.`, path);
    if (Array.isArray(v)) {
      if (v.length > limits.maxArrayItems)
        refuse(`is an array of ${v.length} items; the limit is ${limits.maxArrayItems}.`, path);
      v.forEach((item: unknown, i) => stack.push({ value: item, path: [...path, i] }));
      continue;
    }
    for (const [key, item] of Object.entries(v as Record<string, unknown>)) {
      if (key.length > limits.maxString)
        refuse(`has a key of ${key.length} characters; the limit is ${limits.maxString}.`, path);
      stack.push({ value: item, path: [...path, key] });
    }
  }
}

function limitsFor(request: FastifyRequest): JsonLimits {
  const maxString = request.routeOptions.config.maxJsonString;
  return maxString === undefined ? JSON_LIMITS : { ...JSON_LIMITS, maxString };
}

/**
 * Replaces fastify's JSON parser with the same parser followed by the limit check, and drops its
 * text/plain parser: a JSON route reads JSON, anything else is a 415.
 */
export function registerJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    void parse(request, body as string, (error, value: unknown) => {
      if (error) {
        done(error, undefined);
        return;
      }
      try {
        checkJsonLimits(value, limitsFor(request));
        done(null, value);
      } catch (limit) {
        done(limit as Error, undefined);
      }
    });
  });
}

/** OAuth token requests: `application/x-www-form-urlencoded`; fields may repeat, Entra takes the first. */
export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const form: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(body as string)) form[key] ??= value;
    try {
      checkJsonLimits(form, { ...JSON_LIMITS, maxString: 8 * 1024 });
      done(null, form);
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

const UPLOAD_TYPES = ['application/octet-stream', 'binary/octet-stream'];

/**
 * Uploads: the raw stream, for octet-stream bodies only; anything else is a 415 naming the type to send.
 * Registered in the upload routes' own context, so no other route reads raw bodies.
 */
export function registerUploadParser(app: FastifyInstance, maxBytes: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? '';
    if (type !== '' && !UPLOAD_TYPES.includes(type)) {
      done(
        new UnsupportedMediaTypeError(
          `Uploads take the file's bytes as they are: send them with 'Content-Type: application/octet-stream', not '${type}'.`,
        ),
        undefined,
      );
      return;
    }
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      done(new PayloadTooLargeError(maxBytes, 'The upload'), undefined);
      return;
    }
    done(null, capped(payload, maxBytes));
  });
}

/** Passes bytes through until more than `maxBytes` have come, then fails with a 413. */
export function capped(source: Readable, maxBytes: number): Readable {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) callback(new PayloadTooLargeError(maxBytes, 'The upload'));
      else callback(null, chunk);
    },
  });
  source.on('error', (error) => counter.destroy(error));
  // The cap can be crossed while the handler is still checking the path, before anything reads the
  // stream: the error stays on the stream (its consumer fails with it) instead of crashing the process.
  counter.on('error', () => undefined);
  return source.pipe(counter);
}
