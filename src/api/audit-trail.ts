/**
 * Appends to the audit log for each answered call (before the answer is written, so a client that hangs
 * up cannot leave a change unrecorded; a mutating call whose client hangs up first is recorded at once,
 * as 499): every mutating call, every call refused or rejected with a
 * 4xx, reads included (whatever the path's spelling, and paths no route matches: a probe is a refusal worth
 * seeing, whether it met a role, a symlink or a limit) except a read answered 404, which says only that
 * something does not exist, and every token issued or refused by the token and
 * managed-identity endpoints. The action and scope come from the matched route's declaration (via the
 * access hook), never from the raw URL. Every entry names its caller the same way: `principal` is the
 * actor (a user name for users, the local owner included; the app id of an application; the client id of
 * a managed identity), `principalId` its object id, whether the entry records an API call or a token
 * request; a call refused before any token was accepted shows `(unauthenticated)`. Entries are built from
 * the principal and the route, never from headers or bodies beyond a token request's client id and
 * resource, so no secret or token can end up in the log. A failed append is logged and does not fail the
 * call it records.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEntry, AuditRepository } from '../store/contract.ts';
import { routeConfig } from './access-control.ts';
import { isPublic } from './route-table.ts';

const UNAUTHENTICATED = '(unauthenticated)';
/** The action of a refused call to a path no route matches. */
const NO_ROUTE = '(no route)';

/** A caller as the audit log names it. */
export interface AuditedCaller {
  principal: string;
  principalId: string;
  principalType: string;
}

/** Resolves the client id of a token request to the caller it stands for (as API calls name it). */
export interface AuditDirectory {
  servicePrincipal(appId: string): Promise<AuditedCaller | undefined>;
  /** `undefined` asks for the host's system identity. */
  managedIdentity(clientId: string | undefined): Promise<AuditedCaller | undefined>;
}

function resultOf(status: number): AuditEntry['result'] {
  if (status === 401 || status === 403 || status === 429) return 'Denied';
  return status < 400 ? 'Succeeded' : 'Failed';
}

function field(source: unknown, name: string): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const value = (source as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Token requests: who asked (resolved from the client id, never the secret) and for what resource. */
async function tokenCaller(
  request: FastifyRequest,
  kind: 'token/issue' | 'token/issue-managed-identity',
  directory: AuditDirectory,
): Promise<AuditedCaller & { scope: string }> {
  if (kind === 'token/issue') {
    const clientId = field(request.body, 'client_id');
    const scope = field(request.body, 'resource') ?? field(request.body, 'scope') ?? '';
    const known = clientId === undefined ? undefined : await directory.servicePrincipal(clientId);
    return {
      ...(known ?? { principal: clientId ?? UNAUTHENTICATED, principalId: '', principalType: 'Application' }),
      scope,
    };
  }
  const clientId = field(request.query, 'client_id');
  const known = await directory.managedIdentity(clientId);
  return {
    ...(known ?? { principal: clientId ?? 'system', principalId: '', principalType: 'ManagedIdentity' }),
    scope: field(request.query, 'resource') ?? '',
  };
}

async function entryFor(
  request: FastifyRequest,
  status: number,
  directory: AuditDirectory,
): Promise<AuditEntry | undefined> {
  const base = {
    time: new Date().toISOString(),
    method: request.method,
    path: request.url.split('?')[0] ?? '',
    address: request.ip,
    status,
    result: resultOf(status),
  };
  const config = routeConfig(request);
  if (config && isPublic(config.access)) {
    const kind = config.access.audit;
    if (kind === undefined) return undefined;
    const caller = await tokenCaller(request, kind, directory);
    return { ...base, ...caller, action: kind, ...(status >= 400 ? { detail: `HTTP ${status}` } : {}) };
  }
  const mutating = request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS';
  // A missing resource is an answer, not a refusal: clients ask "does it exist?" with a GET all day; a
  // read the client gave up on is neither.
  const refused = status >= 400 && status < 500 && !(status === 404 && !mutating) && status !== CLIENT_CLOSED;
  if (!mutating && !refused) return undefined;
  const who = request.principal;
  const permission = request.access?.permission;
  return {
    ...base,
    principalId: who?.objectId ?? '',
    principal: who?.actor ?? UNAUTHENTICATED,
    principalType: who?.type ?? '',
    action: permission?.action ?? (config ? '' : NO_ROUTE),
    scope: permission?.scope ?? '',
    ...(request.auditDetail === undefined
      ? status === CLIENT_CLOSED
        ? { detail: 'ClientClosedRequest' }
        : {}
      : { detail: request.auditDetail }),
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The error code of a refused or failed call, set by the error handler for the audit entry. */
    auditDetail: string | undefined;
    /** Whether the outcome has been written (once per request, by whichever hook comes first). */
    audited: boolean;
  }
}

/** The status recorded for a call whose client closed the connection before it was answered (nginx's). */
const CLIENT_CLOSED = 499;

export function registerAuditTrail(
  app: FastifyInstance,
  audit: AuditRepository,
  directory: AuditDirectory,
): void {
  app.decorateRequest('auditDetail', undefined);
  app.decorateRequest('audited', false);
  const write = async (request: FastifyRequest, entry: Promise<AuditEntry | undefined>) => {
    try {
      const made = await entry;
      if (made) await audit.append(made);
    } catch (error) {
      request.log.error({ err: error }, 'could not append to the audit log');
    }
  };
  const outcome = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.audited) return;
    request.audited = true;
    await write(request, entryFor(request, reply.statusCode, directory));
  };
  // Written before the answer goes out, and awaited: a response to a socket the client already closed
  // never finishes, so an entry written only on `onResponse` would be lost with it.
  app.addHook('onSend', async (request, reply, payload) => {
    await outcome(request, reply);
    return payload;
  });
  // Anything that answered without passing through onSend.
  app.addHook('onResponse', async (request, reply) => outcome(request, reply));
  // The client hung up before the answer: a mutating call is recorded now, as 499, whatever its handler
  // still does (its outcome is written too when it comes; it may never come if the process dies).
  app.addHook('onRequestAbort', async (request) => {
    if (request.audited) return;
    await write(request, entryFor(request, CLIENT_CLOSED, directory));
  });
}
