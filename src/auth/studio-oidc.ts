/**
 * The external OIDC issuers the studio offers as sign-in buttons, with the endpoints the browser needs
 * (authorization and token) read from each issuer's discovery document. The browser runs the
 * authorization code flow with PKCE itself and calls the API with the issuer's access token, which the
 * server checks like any external token (external-issuer.ts): this module only tells the browser where
 * to go. A discovery document is cached for an hour, and a failed fetch is not retried for a minute, so
 * anonymous callers of the sign-in options cannot make this server hammer an issuer. Its endpoints must
 * be http(s) URLs (https unless the issuer itself is plain http, as in tests), and its `issuer` must be
 * the one configured: the browser is sent to the authorization endpoint, so a `javascript:` URL or
 * another issuer's document must never get there.
 */
import type { ExternalIssuerConfig } from './external-issuer.ts';

export interface StudioOidcOption {
  /** The configured issuer, exactly as its tokens carry it. */
  issuer: string;
  displayName: string;
  clientId: string;
  scopes: string[];
  /** Where the browser is sent to sign in; absent when the discovery document could not be used. */
  authorizationEndpoint?: string;
  /** Where the browser trades the code for tokens (the issuer must allow the studio's origin: CORS). */
  tokenEndpoint?: string;
  /** Why the button cannot be used, when the discovery document could not be read. */
  problem?: string;
}

export interface StudioOidc {
  /** Every issuer with studio settings, in configuration order. */
  options(): Promise<StudioOidcOption[]>;
}

interface Endpoints {
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

const CACHE_MS = 60 * 60 * 1000;
const RETRY_AFTER_MS = 60 * 1000;
const TIMEOUT_MS = 10_000;

const trimSlash = (url: string) => url.replace(/\/+$/, '');

function endpoint(doc: Record<string, unknown>, name: string, issuer: string): string {
  const value = doc[name];
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  const plainAllowed = issuer.startsWith('http://');
  if (url === undefined || !(url.protocol === 'https:' || (plainAllowed && url.protocol === 'http:'))) {
    throw new Error(`its discovery document has no usable ${name} (an https URL)`);
  }
  return url.href;
}

function endpointsOf(doc: unknown, issuer: string): Endpoints {
  if (typeof doc !== 'object' || doc === null) throw new Error('its discovery document is not a JSON object');
  const d = doc as Record<string, unknown>;
  if (typeof d.issuer !== 'string' || trimSlash(d.issuer) !== trimSlash(issuer)) {
    throw new Error(`its discovery document names another issuer ('${String(d.issuer)}')`);
  }
  return {
    authorizationEndpoint: endpoint(d, 'authorization_endpoint', issuer),
    tokenEndpoint: endpoint(d, 'token_endpoint', issuer),
  };
}

export function createStudioOidc(
  issuers: readonly ExternalIssuerConfig[],
  options: { fetch?: typeof fetch; now?: () => number } = {},
): StudioOidc {
  const get = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; ttl: number; value: Promise<Endpoints> }>();

  async function discover(issuer: string): Promise<Endpoints> {
    const url = `${trimSlash(issuer)}/.well-known/openid-configuration`;
    const response = await get(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    return endpointsOf(await response.json(), issuer);
  }

  function endpoints(issuer: string): Promise<Endpoints> {
    const held = cache.get(issuer);
    if (held !== undefined && now() - held.at < held.ttl) return held.value;
    const value = discover(issuer);
    const entry = { at: now(), ttl: CACHE_MS, value };
    cache.set(issuer, entry);
    value.catch(() => {
      entry.ttl = RETRY_AFTER_MS;
    });
    return value;
  }

  return {
    async options() {
      const studio = issuers.flatMap((i) =>
        i.studio === undefined ? [] : [{ ...i.studio, issuer: i.issuer }],
      );
      return Promise.all(
        studio.map(async (s): Promise<StudioOidcOption> => {
          const base = {
            issuer: s.issuer,
            displayName: s.displayName,
            clientId: s.clientId,
            scopes: s.scopes,
          };
          try {
            return { ...base, ...(await endpoints(s.issuer)) };
          } catch (error) {
            return {
              ...base,
              problem: `The sign-in page of ${s.displayName} could not be found (${(error as Error).message}); ask the server's operator to check that the issuer is reachable from the server.`,
            };
          }
        }),
      );
    },
  };
}
