/**
 * The TokenProvider Nightshift uses: managed identity tokens from an IMDS-compatible endpoint and service
 * principal tokens by the v1 client-credentials flow, both served by Nightshift's own token service by
 * default (spec §5.3). Where Data Factory would talk to `login.microsoftonline.com`, this talks to the
 * configured authority. Tokens are cached per identity and resource until shortly before they expire.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../time/clock.ts';
import type {
  FetchLike,
  ServicePrincipalTokenRequest,
  TokenProvider,
  TokenRequestOptions,
} from './contract.ts';
import { RequestTimeoutError, withRequestTimeout } from './request-timeout.ts';
import { TokenCache, type FetchedToken } from './token-cache.ts';

export class TokenRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRequestError';
  }
}

export interface HttpTokenProviderOptions {
  /** Nightshift's base URL; the IMDS base and the authority default to it. */
  serverUrl: string;
  /** Base of `/metadata/identity/oauth2/token` (IMDS is `http://169.254.169.254`). */
  imdsBase?: string;
  /** Base of `/{tenant}/oauth2/token`; stands in for Entra's `https://login.microsoftonline.com`. */
  authority?: string;
  clock: Clock;
  fetch?: FetchLike;
  /** How long before expiry a cached token is replaced; 5 minutes when absent. */
  refreshMarginMs?: number;
  /** Deadline for one token request; 60 s when absent. */
  requestTimeoutMs?: number;
}

const IMDS_API_VERSION = '2018-02-01';

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export class HttpTokenProvider implements TokenProvider {
  readonly #imdsBase: string;
  readonly #authority: string;
  readonly #clock: Clock;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;
  readonly #cache: TokenCache;

  constructor(options: HttpTokenProviderOptions) {
    this.#imdsBase = trimSlash(options.imdsBase ?? options.serverUrl);
    this.#authority = trimSlash(options.authority ?? options.serverUrl);
    this.#clock = options.clock;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#timeoutMs = options.requestTimeoutMs ?? 60_000;
    this.#cache = new TokenCache(options.clock, options.refreshMarginMs ?? 5 * 60_000);
  }

  managedIdentityToken(
    resource: string,
    userAssignedClientId?: string,
    options: TokenRequestOptions = {},
  ): Promise<string> {
    const query = new URLSearchParams({ 'api-version': IMDS_API_VERSION, resource });
    if (userAssignedClientId !== undefined) query.set('client_id', userAssignedClientId);
    const url = `${this.#imdsBase}/metadata/identity/oauth2/token?${query.toString()}`;
    const key = `msi\n${resource}\n${userAssignedClientId ?? ''}`;
    return this.#cache.get(
      key,
      () => this.#request(url, { method: 'GET', headers: { Metadata: 'true' } }),
      options.signal,
    );
  }

  servicePrincipalToken(
    request: ServicePrincipalTokenRequest,
    options: TokenRequestOptions = {},
  ): Promise<string> {
    if (request.secret === undefined) {
      return Promise.reject(
        new TokenRequestError(
          'Certificate-based service principals are not supported by this token provider; use a client secret (authentication.password).',
        ),
      );
    }
    const url = `${this.#authority}/${encodeURIComponent(request.tenant)}/oauth2/token`;
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: request.clientId,
      client_secret: request.secret,
      resource: request.resource,
    }).toString();
    // The secret is part of the key (hashed), so a wrong secret never gets a token cached for the right one.
    const secretHash = createHash('sha256').update(request.secret).digest('hex');
    const key = ['sp', url, request.clientId, request.resource, secretHash].join('\n');
    const init = { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body };
    return this.#cache.get(key, () => this.#request(url, init), options.signal);
  }

  async #request(url: string, init: RequestInit): Promise<FetchedToken> {
    let status: number;
    let text: string;
    try {
      ({ status, text } = await withRequestTimeout(
        this.#clock,
        this.#timeoutMs,
        undefined,
        async (signal) => {
          const response = await this.#fetch(url, { ...init, signal });
          return { status: response.status, text: await response.text() };
        },
      ));
    } catch (error) {
      const reason = error instanceof RequestTimeoutError ? 'no answer in time' : describeCause(error);
      throw new TokenRequestError(`Token request to ${url} failed: ${reason}`);
    }
    return parseTokenResponse(url, status, text, this.#clock);
  }
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

function parseTokenResponse(url: string, status: number, text: string, clock: Clock): FetchedToken {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // Reported below with the raw text.
  }
  if (status < 200 || status > 299) {
    const reason =
      typeof body.error === 'string'
        ? `${body.error}: ${typeof body.error_description === 'string' ? body.error_description : ''}`
        : text.slice(0, 500);
    throw new TokenRequestError(`Token request to ${url} failed with HTTP ${status}: ${reason}`);
  }
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    throw new TokenRequestError(`Token response from ${url} has no access_token.`);
  }
  return { accessToken: body.access_token, expiresInMs: lifetimeMs(body, clock) };
}

/** v1 endpoints send the numbers as strings; `expires_in` is preferred as it does not depend on clock skew. */
function lifetimeMs(body: Record<string, unknown>, clock: Clock): number {
  const expiresIn = Number(body.expires_in);
  if (Number.isFinite(expiresIn) && expiresIn > 0) return expiresIn * 1000;
  const expiresOn = Number(body.expires_on);
  if (Number.isFinite(expiresOn) && expiresOn > 0)
    return Math.max(0, expiresOn * 1000 - clock.now().getTime());
  return 0;
}
