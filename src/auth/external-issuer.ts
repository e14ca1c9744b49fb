/**
 * Trust in an external OpenID Connect issuer (a real Entra ID tenant, Keycloak, another Nightshift): its
 * signing keys come from the `jwks_uri` of its discovery document, held by jose's remote JWK set. Keys are
 * cached an hour and fetched again when a token names a key id the cache does not know (the issuer
 * rotated), at most once a minute, so a flood of tokens with made-up key ids cannot turn this server into
 * a proxy that hammers the issuer. A failed fetch counts as an attempt too (jose would retry at once).
 */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import { AuthenticationError } from './errors.ts';
import type { KeyObject } from 'node:crypto';
import { keysFromKeySet } from './tokens/verifier.ts';
import type { StudioOidcClient } from '../config-studio-oidc.ts';

export interface ExternalIssuerConfig {
  /** Exactly the `iss` its tokens carry. */
  issuer: string;
  /** The `aud` its tokens must carry for this server. */
  audience: string;
  /** Where its keys are; found through `{issuer}/.well-known/openid-configuration` when absent. */
  jwksUri?: string;
  /** How the studio signs people in with this issuer; absent: its tokens are accepted, no sign-in button. */
  studio?: StudioOidcClient;
}

export interface ExternalIssuerOptions {
  fetch?: typeof fetch;
  cacheMs?: number;
  refetchAfterMs?: number;
}

const DEFAULT_CACHE_MS = 60 * 60 * 1000;
const DEFAULT_REFETCH_MS = 60 * 1000;
const TIMEOUT_MS = 10_000;

export class ExternalIssuer {
  readonly config: ExternalIssuerConfig;
  /** The verifier's key lookup for this issuer's tokens. */
  readonly keys: (kid: string) => Promise<KeyObject | undefined>;
  readonly #fetch: typeof fetch;
  readonly #cacheMs: number;
  readonly #refetchAfterMs: number;
  #keySet: Promise<JWTVerifyGetKey> | undefined;
  /** The last failed fetch and when it happened (jose's clock, Date.now), so it is not retried at once. */
  #failure: { at: number; error: AuthenticationError } | undefined;

  constructor(config: ExternalIssuerConfig, options: ExternalIssuerOptions = {}) {
    this.config = config;
    this.#fetch = options.fetch ?? fetch;
    this.#cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
    this.#refetchAfterMs = options.refetchAfterMs ?? DEFAULT_REFETCH_MS;
    this.keys = keysFromKeySet(async (header, token) => (await this.#remoteSet())(header, token));
  }

  /** jose's remote set over the issuer's jwks_uri, found through its discovery document at first use. */
  #remoteSet(): Promise<JWTVerifyGetKey> {
    this.#keySet ??= this.#discoverJwksUri().then(
      (uri) =>
        createRemoteJWKSet(new URL(uri), {
          cacheMaxAge: this.#cacheMs,
          cooldownDuration: this.#refetchAfterMs,
          timeoutDuration: TIMEOUT_MS,
          [customFetch]: async (url, init) => {
            const keys = (await this.#getJson(url, init.signal)) as { keys?: unknown };
            if (!Array.isArray(keys.keys)) throw this.#failed(new Error(`${url} is not a JWK set`));
            // One entry that is not an object would make jose refuse the whole set.
            const usable = keys.keys.filter((k: unknown) => typeof k === 'object' && k !== null);
            return Response.json({ keys: usable });
          },
        }),
      (error: unknown) => {
        this.#keySet = undefined;
        throw error;
      },
    );
    return this.#keySet;
  }

  async #discoverJwksUri(): Promise<string> {
    if (this.config.jwksUri !== undefined) return this.config.jwksUri;
    const base = this.config.issuer.replace(/\/+$/, '');
    const doc = await this.#getJson(`${base}/.well-known/openid-configuration`);
    const uri = (doc as { jwks_uri?: unknown }).jwks_uri;
    if (typeof uri !== 'string') throw this.#failed(new Error('its discovery document has no jwks_uri'));
    return uri;
  }

  /**
   * Every request to the issuer goes through here: a failure is remembered and answered again, without
   * asking, until `refetchAfterMs` has passed.
   */
  async #getJson(url: string, signal?: AbortSignal | null): Promise<object> {
    const failure = this.#failure;
    if (failure && Date.now() - failure.at < this.#refetchAfterMs) throw failure.error;
    try {
      const response = await this.#fetch(url, { signal: signal ?? AbortSignal.timeout(TIMEOUT_MS) });
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
      const body: unknown = await response.json();
      if (typeof body !== 'object' || body === null) throw new Error(`${url} is not a JSON object`);
      return body;
    } catch (error) {
      throw this.#failed(error as Error);
    }
  }

  #failed(cause: Error): AuthenticationError {
    if (cause instanceof AuthenticationError) return cause;
    const error = new AuthenticationError(
      'UnknownKey',
      `The keys of issuer '${this.config.issuer}' could not be fetched (${cause.message}); ` +
        'check that the issuer is reachable from this server.',
    );
    this.#failure = { at: Date.now(), error };
    return error;
  }
}
