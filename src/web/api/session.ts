/**
 * Who the studio is signed in as, and the tokens it calls the API with. Three ways in: the code in the URL
 * that `nightshift serve` printed (the local owner, no prompt), a service principal's app id and secret
 * through the token endpoint, as any client gets tokens, or an external OIDC issuer's access token (got
 * by oidc-sign-in.ts). Tokens are kept per audience (the management plane, and the data plane for scoring
 * URIs) in sessionStorage, so a reload keeps the session and closing the tab ends it; they are renewed a
 * minute before they expire with the same grant. A service principal's secret is kept only in memory:
 * after a reload its tokens live until they expire. An issuer's token is one token for every audience
 * (the server checks it against the issuer's configured audience) and is never renewed (no refresh
 * token: docs/decisions.md): when it expires the session ends with a notice the sign-in page shows.
 */
export const MANAGEMENT = 'https://management.azure.com';
export const DATA_PLANE = 'https://ml.azure.com';
export type Audience = typeof MANAGEMENT | typeof DATA_PLANE;

interface Token {
  accessToken: string;
  expiresAt: number;
}

/** A token an external issuer gave, with whom it names (for "Signed in as") and whom it came from. */
export interface OidcSignIn {
  kind: 'oidc';
  issuer: string;
  displayName: string;
  userName: string;
  accessToken: string;
  expiresAt: number;
}

export type Grant =
  | { kind: 'code'; code: string }
  | { kind: 'servicePrincipal'; tenant: string; clientId: string; clientSecret: string }
  | OidcSignIn;

type StoredGrant =
  | { kind: 'code'; code: string }
  | { kind: 'servicePrincipal'; tenant: string; clientId: string }
  | Omit<OidcSignIn, 'accessToken' | 'expiresAt'>;

interface Stored {
  grant: StoredGrant;
  tokens: Partial<Record<Audience, Token>>;
}

const KEY = 'nightshift.session';
const NOTICE_KEY = 'nightshift.notice';
const RENEW_BEFORE_MS = 60_000;
/** An issuer's token is given up this long before it expires, so a call does not race its expiry. */
const OIDC_MARGIN_MS = 5_000;

class SignInError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'SignInError';
    this.status = status;
  }
}

function load(): Stored | undefined {
  try {
    const text = sessionStorage.getItem(KEY);
    return text === null ? undefined : (JSON.parse(text) as Stored);
  } catch {
    return undefined;
  }
}

function save(value: Stored | undefined): void {
  if (value === undefined) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, JSON.stringify(value));
}

interface TokenAnswer {
  access_token?: string;
  expires_in?: number | string;
  error_description?: string;
  error?: { message?: string };
}

async function tokenFrom(response: Response): Promise<Token> {
  const body = (await response.json().catch(() => ({}))) as TokenAnswer;
  if (!response.ok || body.access_token === undefined) {
    const reason = body.error_description ?? body.error?.message ?? `HTTP ${response.status}`;
    // Entra's descriptions end with a trace id and a timestamp; the person needs the sentence.
    throw new SignInError(response.status, reason.replace(/ Trace ID:.*$/s, ''));
  }
  return { accessToken: body.access_token, expiresAt: Date.now() + Number(body.expires_in ?? 3600) * 1000 };
}

async function requestToken(grant: Grant, audience: Audience): Promise<Token> {
  if (grant.kind === 'oidc') return { accessToken: grant.accessToken, expiresAt: grant.expiresAt };
  if (grant.kind === 'code') {
    return tokenFrom(
      await fetch('/nightshift/studio/signIn', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: grant.code, resource: audience }),
      }),
    );
  }
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: grant.clientId,
    client_secret: grant.clientSecret,
    resource: audience,
  });
  return tokenFrom(
    await fetch(`/${encodeURIComponent(grant.tenant)}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    }),
  );
}

function storedGrant(grant: Grant): StoredGrant {
  if (grant.kind === 'servicePrincipal') {
    return { kind: 'servicePrincipal', tenant: grant.tenant, clientId: grant.clientId };
  }
  if (grant.kind === 'oidc') {
    return { kind: 'oidc', issuer: grant.issuer, displayName: grant.displayName, userName: grant.userName };
  }
  return grant;
}

function expiredNotice(grant: StoredGrant): string {
  return grant.kind === 'oidc'
    ? `Your sign-in with ${grant.displayName} has expired; sign in again.`
    : 'The session has expired; sign in again.';
}

/** The signed-in session: tokens on demand, and sign-out. */
export class Session {
  #stored: Stored | undefined = load();
  #secret: string | undefined;
  #listeners = new Set<() => void>();
  #expiry: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.#watchExpiry();
  }

  get signedIn(): boolean {
    return this.#stored !== undefined;
  }

  /** The app id of a service principal, or undefined for the local owner. */
  get clientId(): string | undefined {
    const grant = this.#stored?.grant;
    return grant?.kind === 'servicePrincipal' ? grant.clientId : undefined;
  }

  /** Who is signed in, as "Signed in as" shows it. */
  get who(): string {
    const grant = this.#stored?.grant;
    if (grant?.kind === 'oidc') return grant.userName;
    return grant?.kind === 'servicePrincipal' ? grant.clientId : 'local owner';
  }

  /** Why the last session ended, if it ended by itself (an expired sign-in); shown on the sign-in page. */
  get notice(): string | undefined {
    return sessionStorage.getItem(NOTICE_KEY) ?? undefined;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async signIn(grant: Grant): Promise<void> {
    const token = await requestToken(grant, MANAGEMENT);
    this.#secret = grant.kind === 'servicePrincipal' ? grant.clientSecret : undefined;
    this.#stored = { grant: storedGrant(grant), tokens: { [MANAGEMENT]: token } };
    save(this.#stored);
    sessionStorage.removeItem(NOTICE_KEY);
    this.#watchExpiry();
    this.#notify();
  }

  signOut(notice?: string): void {
    this.#stored = undefined;
    this.#secret = undefined;
    save(undefined);
    if (notice === undefined) sessionStorage.removeItem(NOTICE_KEY);
    else sessionStorage.setItem(NOTICE_KEY, notice);
    this.#watchExpiry();
    this.#notify();
  }

  /** A token for the audience, renewed when it is about to expire; signs out when it cannot be. */
  async token(audience: Audience): Promise<string> {
    const stored = this.#stored;
    if (stored === undefined) throw new SignInError(401, 'Sign in first.');
    const oidc = stored.grant.kind === 'oidc' ? stored.tokens[MANAGEMENT] : undefined;
    if (oidc !== undefined && oidc.expiresAt - OIDC_MARGIN_MS > Date.now()) return oidc.accessToken;
    const held = stored.tokens[audience];
    if (held !== undefined && held.expiresAt - RENEW_BEFORE_MS > Date.now()) return held.accessToken;
    const grant: Grant | undefined =
      stored.grant.kind === 'code'
        ? stored.grant
        : stored.grant.kind === 'servicePrincipal' && this.#secret !== undefined
          ? { ...stored.grant, clientSecret: this.#secret }
          : undefined;
    if (grant === undefined) {
      const notice = expiredNotice(stored.grant);
      this.signOut(notice);
      throw new SignInError(401, notice);
    }
    const token = await requestToken(grant, audience);
    stored.tokens[audience] = token;
    save(stored);
    return token.accessToken;
  }

  /**
   * An issuer's token cannot be renewed, so the session ends when it expires, even on a page that makes
   * no call then: the person is sent to sign in with a notice rather than left on a page that fails.
   */
  #watchExpiry(): void {
    clearTimeout(this.#expiry);
    const stored = this.#stored;
    const token = stored?.grant.kind === 'oidc' ? stored.tokens[MANAGEMENT] : undefined;
    if (stored === undefined || token === undefined) return;
    const left = token.expiresAt - OIDC_MARGIN_MS - Date.now();
    const end = () => {
      this.signOut(expiredNotice(stored.grant));
    };
    if (left <= 0) {
      this.#stored = undefined;
      save(undefined);
      sessionStorage.setItem(NOTICE_KEY, expiredNotice(stored.grant));
    } else this.#expiry = setTimeout(end, Math.min(left, 2 ** 31 - 1));
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
