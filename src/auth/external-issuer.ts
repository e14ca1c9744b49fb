/**
 * Trust in an external OpenID Connect issuer (a real Entra ID tenant, Keycloak, another Nightshift): its
 * signing keys are fetched from the issuer's discovery document and cached, and fetched again when a token
 * names a key id the cache does not know (the issuer rotated), at most once a minute so a flood of tokens
 * with made-up key ids cannot turn this server into a proxy that hammers the issuer.
 */
import type { KeyObject } from 'node:crypto';
import { AuthenticationError } from './errors.ts';
import { keysFromJwks, type PublicKeyLookup } from './tokens/verifier.ts';

export interface ExternalIssuerConfig {
  /** Exactly the `iss` its tokens carry. */
  issuer: string;
  /** The `aud` its tokens must carry for this server. */
  audience: string;
  /** Where its keys are; found through `{issuer}/.well-known/openid-configuration` when absent. */
  jwksUri?: string;
}

export interface ExternalIssuerOptions {
  fetch?: typeof fetch;
  now?: () => number;
  cacheMs?: number;
  refetchAfterMs?: number;
}

const DEFAULT_CACHE_MS = 60 * 60 * 1000;
const DEFAULT_REFETCH_MS = 60 * 1000;

export class ExternalIssuer {
  readonly config: ExternalIssuerConfig;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #cacheMs: number;
  readonly #refetchAfterMs: number;
  #keys: PublicKeyLookup | undefined;
  #fetchedAt = -Infinity;
  #inflight: Promise<void> | undefined;

  constructor(config: ExternalIssuerConfig, options: ExternalIssuerOptions = {}) {
    this.config = config;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
    this.#cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
    this.#refetchAfterMs = options.refetchAfterMs ?? DEFAULT_REFETCH_MS;
  }

  /** The key for `kid`, refreshing the cache when it is stale or does not know the kid. */
  async key(kid: string): Promise<KeyObject | undefined> {
    const age = this.#now() - this.#fetchedAt;
    const known = this.#keys?.(kid);
    if (known && age < this.#cacheMs) return known;
    if (!this.#keys || age >= this.#cacheMs || age >= this.#refetchAfterMs) await this.#refresh();
    return this.#keys?.(kid);
  }

  async #refresh(): Promise<void> {
    this.#inflight ??= this.#load().finally(() => {
      this.#inflight = undefined;
    });
    await this.#inflight;
  }

  async #load(): Promise<void> {
    // Counted as an attempt even when it fails, so an unreachable issuer is not asked on every request.
    this.#fetchedAt = this.#now();
    try {
      const jwksUri = this.config.jwksUri ?? (await this.#discoverJwksUri());
      this.#keys = keysFromJwks(await this.#getJson(jwksUri));
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      throw new AuthenticationError(
        'UnknownKey',
        `The keys of issuer '${this.config.issuer}' could not be fetched (${(error as Error).message}); ` +
          'check that the issuer is reachable from this server.',
      );
    }
  }

  async #discoverJwksUri(): Promise<string> {
    const base = this.config.issuer.replace(/\/+$/, '');
    const doc = await this.#getJson(`${base}/.well-known/openid-configuration`);
    const uri = (doc as { jwks_uri?: unknown }).jwks_uri;
    if (typeof uri !== 'string') throw new Error('its discovery document has no jwks_uri');
    return uri;
  }

  async #getJson(url: string): Promise<unknown> {
    const response = await this.#fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    return response.json();
  }
}
