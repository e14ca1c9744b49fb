/**
 * Sign-in with an external OIDC issuer, in the browser: the authorization code flow with PKCE (S256,
 * WebCrypto), as a public client. `startOidcSignIn` keeps a random `state` and code verifier in
 * sessionStorage (this tab only) and sends the browser to the issuer's authorization endpoint;
 * `finishOidcSignIn`, on /studio/signed-in, refuses an answer whose `state` is not the one this tab sent
 * (a forged or replayed callback), shows the issuer's `error` as a message, and trades the code and the
 * verifier for tokens at the issuer's token endpoint. The redirect URI is always this origin's
 * /studio/signed-in, and where the person goes afterwards is a studio path this tab recorded itself, never
 * a parameter of the callback: nothing here can send the browser to another site.
 */
import type { OidcSignIn } from './session.ts';

/** One issuer of GET /nightshift/studio/signInOptions. */
export interface OidcOption {
  issuer: string;
  displayName: string;
  clientId: string;
  scopes: string[];
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  problem?: string;
}

export interface SignInOptions {
  localCode: { hint: string };
  servicePrincipal: { tenant: string; tokenEndpoint: string };
  oidc: OidcOption[];
}

interface Pending {
  state: string;
  verifier: string;
  issuer: string;
  displayName: string;
  clientId: string;
  tokenEndpoint: string;
  redirectUri: string;
  returnTo: string;
  startedAt: number;
}

const PENDING_KEY = 'nightshift.oidc.pending';
/** A sign-in left at the issuer's page longer than this is started again. */
const PENDING_MAX_MS = 15 * 60_000;
const CALLBACK_PATH = '/studio/signed-in';

function random(bytes: number): string {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return base64url(data);
}

function base64url(data: Uint8Array): string {
  return btoa(String.fromCharCode(...data))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function webUrl(text: string): URL {
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`Not a web address: ${text}`);
  return url;
}

/** A path of the studio on this origin (not the callback itself), or the overview. */
function safeReturnPath(path: string): string {
  try {
    const url = new URL(path, window.location.origin);
    const ok =
      url.origin === window.location.origin &&
      /^\/studio(\/|$)/.test(url.pathname) &&
      !url.pathname.startsWith(CALLBACK_PATH) &&
      !url.pathname.includes('//');
    return ok ? `${url.pathname}${url.search}${url.hash}` : '/studio/';
  } catch {
    return '/studio/';
  }
}

/** Sends the browser to the issuer to sign in; it comes back to /studio/signed-in. */
export async function startOidcSignIn(option: OidcOption, returnTo: string): Promise<void> {
  if (option.authorizationEndpoint === undefined || option.tokenEndpoint === undefined) {
    throw new Error(option.problem ?? `${option.displayName} cannot be used to sign in right now.`);
  }
  const target = webUrl(option.authorizationEndpoint);
  const pending: Pending = {
    state: random(32),
    verifier: random(32),
    issuer: option.issuer,
    displayName: option.displayName,
    clientId: option.clientId,
    tokenEndpoint: webUrl(option.tokenEndpoint).href,
    redirectUri: `${window.location.origin}${CALLBACK_PATH}`,
    returnTo: safeReturnPath(returnTo),
    startedAt: Date.now(),
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const query = {
    response_type: 'code',
    client_id: pending.clientId,
    redirect_uri: pending.redirectUri,
    scope: option.scopes.join(' '),
    state: pending.state,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
  };
  for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
  window.location.assign(target.href);
}

/** The sign-in this tab started, taken out so that an answer is used once. */
function takePending(): Pending | undefined {
  const text = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  try {
    return text === null ? undefined : (JSON.parse(text) as Pending);
  } catch {
    return undefined;
  }
}

/** The claims of a JWT, read for display only (the server verifies the token it is given). */
function claimsOf(token: string | undefined): Record<string, unknown> {
  try {
    const payload = (token ?? '').split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<
      string,
      unknown
    >;
  } catch {
    return {};
  }
}

function nameOf(...claimSets: Record<string, unknown>[]): string {
  for (const claims of claimSets) {
    for (const key of ['name', 'preferred_username', 'upn', 'email', 'sub']) {
      const value = claims[key];
      if (typeof value === 'string' && value !== '') return value;
    }
  }
  return 'signed-in user';
}

interface TokenAnswer {
  access_token?: string;
  id_token?: string;
  expires_in?: number | string;
  error?: string;
  error_description?: string;
}

async function exchange(pending: Pending, code: string): Promise<OidcSignIn> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: pending.redirectUri,
    client_id: pending.clientId,
    code_verifier: pending.verifier,
  });
  let response: Response;
  try {
    response = await fetch(pending.tokenEndpoint, { method: 'POST', body: form });
  } catch {
    throw new Error(
      `${pending.displayName}'s token endpoint could not be reached from this browser (is this studio's address allowed there for CORS?).`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as TokenAnswer;
  if (!response.ok || body.access_token === undefined) {
    const reason = body.error_description ?? body.error ?? `HTTP ${response.status}`;
    throw new Error(`${pending.displayName} did not give a token: ${reason}`);
  }
  return {
    kind: 'oidc',
    issuer: pending.issuer,
    displayName: pending.displayName,
    userName: nameOf(claimsOf(body.id_token), claimsOf(body.access_token)),
    accessToken: body.access_token,
    expiresAt: Date.now() + Number(body.expires_in ?? 3600) * 1000,
  };
}

/**
 * The answer on /studio/signed-in (its query string): the grant to sign in with and where to go after,
 * or an Error whose message says what went wrong, for the person.
 */
export async function finishOidcSignIn(search: string): Promise<{ grant: OidcSignIn; returnTo: string }> {
  const params = new URLSearchParams(search);
  const pending = takePending();
  const state = params.get('state');
  if (pending === undefined || state === null || state !== pending.state) {
    throw new Error(
      'This sign-in answer does not belong to a sign-in started in this tab (its state does not match), so it was refused. Sign in again.',
    );
  }
  // RFC 9207: an answer naming another issuer came from a mix-up, whatever its state says.
  const iss = params.get('iss');
  if (iss !== null && iss.replace(/\/+$/, '') !== pending.issuer.replace(/\/+$/, '')) {
    throw new Error(
      `This sign-in answer came from '${iss}', not from ${pending.displayName}, so it was refused.`,
    );
  }
  const error = params.get('error');
  if (error !== null) {
    const description = params.get('error_description');
    throw new Error(
      `${pending.displayName} did not sign you in: ${description === null ? error : `${description} (${error})`}`,
    );
  }
  const code = params.get('code');
  if (code === null || code === '') throw new Error(`${pending.displayName} sent no authorization code.`);
  if (Date.now() - pending.startedAt > PENDING_MAX_MS)
    throw new Error('The sign-in took too long; sign in again.');
  return { grant: await exchange(pending, code), returnTo: pending.returnTo };
}
