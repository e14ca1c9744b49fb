/**
 * Appends to the audit log after each response: every mutating call, every invocation, every refused call,
 * and every token issued or refused by the token and managed-identity endpoints. Entries name the caller,
 * the Azure action and scope, the address and the outcome; they are built from the principal and the
 * route, never from headers or bodies, so no secret or token can end up in the log. A failed append is
 * logged and does not fail the call it records.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEntry, AuditRepository } from '../store/contract.ts';

const TOKEN_ROUTE = /^\/[^/]+\/oauth2\/(v2\.0\/)?token$/i;
const IMDS_ROUTE = /^\/metadata\/identity\/oauth2\/token$/i;

function resultOf(status: number): AuditEntry['result'] {
  if (status === 401 || status === 403 || status === 429) return 'Denied';
  return status < 400 ? 'Succeeded' : 'Failed';
}

function formField(body: unknown, name: string): string {
  if (typeof body !== 'object' || body === null) return '';
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}

/** Token requests: who asked (client id, never the secret) and for what resource. */
function tokenEntry(request: FastifyRequest, path: string): Partial<AuditEntry> | undefined {
  if (request.method === 'POST' && TOKEN_ROUTE.test(path)) {
    const resource = formField(request.body, 'resource') || formField(request.body, 'scope');
    return { action: 'token/issue', principal: formField(request.body, 'client_id'), scope: resource };
  }
  if (request.method === 'GET' && IMDS_ROUTE.test(path)) {
    const query = request.query as Record<string, string | undefined>;
    return {
      action: 'token/issue-managed-identity',
      principal: query.client_id ?? 'system',
      scope: query.resource ?? '',
    };
  }
  return undefined;
}

function entryFor(request: FastifyRequest, reply: FastifyReply): AuditEntry | undefined {
  const path = request.url.split('?')[0] ?? '';
  const status = reply.statusCode;
  const base = {
    time: new Date().toISOString(),
    method: request.method,
    path,
    address: request.ip,
    status,
    result: resultOf(status),
  };
  const token = tokenEntry(request, path);
  if (token) {
    return {
      ...base,
      principalId: '',
      principalType: 'Application',
      principal: token.principal ?? '',
      action: token.action ?? '',
      scope: token.scope ?? '',
      ...(status >= 400 ? { detail: `HTTP ${status}` } : {}),
    };
  }
  const permission = request.access?.permission;
  const mutating = request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS';
  const refused = status === 401 || status === 403;
  if (!mutating && !refused) return undefined;
  // A refused call without a recognised route (a 401 before authorization) still records the path.
  if (!permission && !refused) return undefined;
  const who = request.principal;
  return {
    ...base,
    principalId: who?.objectId ?? '',
    principal: who?.actor ?? '',
    principalType: who?.type ?? '',
    action: permission?.action ?? '',
    scope: permission?.scope ?? '',
    ...(request.auditDetail === undefined ? {} : { detail: request.auditDetail }),
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The error code of a refused or failed call, set by the error handler for the audit entry. */
    auditDetail: string | undefined;
  }
}

export function registerAuditTrail(app: FastifyInstance, audit: AuditRepository): void {
  app.decorateRequest('auditDetail', undefined);
  app.addHook('onResponse', async (request, reply) => {
    const entry = entryFor(request, reply);
    if (!entry) return;
    try {
      await audit.append(entry);
    } catch (error) {
      request.log.error({ err: error }, 'could not append to the audit log');
    }
  });
}
