/**
 * The one place where failures become HTTP responses, in the ARM error envelope
 * `{"error": {"code", "message", "details"}}`. Domain errors keep their status; request-validation
 * failures become 400s naming the field; a body over its route's limit is a 413 naming the limit;
 * anything unexpected is logged and answered as a 500 without a stack trace.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../core/errors.ts';

/** A body larger than its route takes; the message names the limit. */
export class PayloadTooLargeError extends DomainError {
  constructor(limit: number, what = 'The request body') {
    super('PayloadTooLarge', 413, `${what} is larger than this route's limit of ${describeBytes(limit)}.`);
  }
}

/** A body of a type the route does not read; the message names the type to send. */
export class UnsupportedMediaTypeError extends DomainError {
  constructor(message: string) {
    super('UnsupportedMediaType', 415, message);
  }
}

function describeBytes(bytes: number): string {
  const units: [number, string][] = [
    [1024 ** 3, 'GiB'],
    [1024 ** 2, 'MiB'],
    [1024, 'KiB'],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

interface Envelope {
  error: { code: string; message: string; details: { code: string; message: string; target?: string }[] };
}

function envelope(code: string, message: string, details: Envelope['error']['details'] = []): Envelope {
  return { error: { code, message, details } };
}

function fromFastify(
  error: FastifyError,
  request: FastifyRequest,
): { status: number; body: Envelope } | undefined {
  if (error.validation) {
    const first = error.validation[0];
    const field = first?.instancePath
      ? first.instancePath.slice(1).replace(/\//g, '.')
      : (error.validationContext ?? 'request');
    const message =
      `Invalid request ${error.validationContext ?? ''}: '${field}' ${first?.message ?? 'is invalid'}.`.replace(
        '  ',
        ' ',
      );
    return {
      status: 400,
      body: envelope('UserError', message, [{ code: 'InvalidValue', message, target: field }]),
    };
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = request.routeOptions.bodyLimit;
    const e = new PayloadTooLargeError(limit);
    return { status: 413, body: envelope(e.code, e.message) };
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { status: 415, body: envelope('UnsupportedMediaType', `Send the body as application/json.`) };
  }
  if (
    error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    error instanceof SyntaxError
  ) {
    return {
      status: 400,
      body: envelope('UserError', `The request body is not valid JSON: ${error.message}`),
    };
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, body: envelope('UserError', error.message) };
  }
  return undefined;
}

export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof DomainError) {
    request.auditDetail = error.code;
    // RFC 6750: a refused bearer token says so in WWW-Authenticate, which OAuth clients read to re-auth.
    if (error.status === 401) void reply.header('www-authenticate', 'Bearer error="invalid_token"');
    void reply.status(error.status).send(envelope(error.code, error.message, error.details));
    return;
  }
  const mapped = fromFastify(error, request);
  if (mapped) {
    request.auditDetail = mapped.body.error.code;
    void reply.status(mapped.status).send(mapped.body);
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  void reply
    .status(500)
    .send(envelope('InternalServerError', 'The server failed to process the request; see the server log.'));
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .status(404)
    .send(
      envelope(
        'NotFound',
        `No route for ${request.method} ${request.url.split('?')[0] ?? ''}. See /openapi.json for the API.`,
      ),
    );
}

/** Requests the router cannot even read (a malformed percent-encoding): a 400 in the envelope. */
export function handleFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const message =
    error.code === 'FST_ERR_BAD_URL'
      ? 'The request path is not a valid URL: every % must start a two-digit hexadecimal escape.'
      : 'The request could not be read.';
  request.auditDetail = 'BadRequest';
  void reply.status(400).send(envelope('BadRequest', message));
}
