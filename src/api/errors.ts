/**
 * The one place where failures become HTTP responses, in the ARM error envelope
 * `{"error": {"code", "message", "details"}}`. Domain errors keep their status; request-validation
 * failures become 400s naming the field; anything unexpected is logged and answered as a 500 without a
 * stack trace.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../core/errors.ts';

interface Envelope {
  error: { code: string; message: string; details: { code: string; message: string; target?: string }[] };
}

export function envelope(
  code: string,
  message: string,
  details: Envelope['error']['details'] = [],
): Envelope {
  return { error: { code, message, details } };
}

function fromFastify(error: FastifyError): { status: number; body: Envelope } | undefined {
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
  const mapped = fromFastify(error);
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
