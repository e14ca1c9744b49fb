/**
 * Who the studio is signed in as, and the tokens it calls the API with. Two ways in: the code in the URL
 * that `nightshift serve` printed (the local owner, no prompt), or a service principal's app id and secret
 * through the token endpoint, as any client gets tokens. Tokens are kept per audience (the management
 * plane, and the data plane for scoring URIs) in sessionStorage, so a reload keeps the session and closing
 * the tab ends it; they are renewed a minute before they expire with the same grant. A service
 * principal's secret is kept only in memory: after a reload its tokens live until they expire.
 */
export const MANAGEMENT = 'https://management.azure.com';
export const DATA_PLANE = 'https://ml.azure.com';
export type Audience = typeof MANAGEMENT | typeof DATA_PLANE;

interface Token {
  accessToken: string;
  expiresAt: number;
}

export type Grant =
  | { kind: 'code'; code: string }
  | { kind: 'servicePrincipal'; tenant: string; clientId: string; clientSecret: string };

interface Stored {
  grant: { kind: 'code'; code: string } | { kind: 'servicePrincipal'; tenant: string; clientId: string };
  tokens: Partial<Record<Audience, Token>>;
}

const KEY = 'nightshift.session';
const RENEW_BEFORE_MS = 60_000;

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

/** The signed-in session: tokens on demand, and sign-out. */
export class Session {
  #stored: Stored | undefined = load();
  #secret: string | undefined;
  #listeners = new Set<() => void>();

  get signedIn(): boolean {
    return this.#stored !== undefined;
  }

  /** The app id of a service principal, or undefined for the local owner. */
  get clientId(): string | undefined {
    const grant = this.#stored?.grant;
    return grant?.kind === 'servicePrincipal' ? grant.clientId : undefined;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async signIn(grant: Grant): Promise<void> {
    const token = await requestToken(grant, MANAGEMENT);
    this.#secret = grant.kind === 'servicePrincipal' ? grant.clientSecret : undefined;
    const stored: Stored['grant'] =
      grant.kind === 'code'
        ? grant
        : { kind: 'servicePrincipal', tenant: grant.tenant, clientId: grant.clientId };
    this.#stored = { grant: stored, tokens: { [MANAGEMENT]: token } };
    save(this.#stored);
    this.#notify();
  }

  signOut(): void {
    this.#stored = undefined;
    this.#secret = undefined;
    save(undefined);
    this.#notify();
  }

  /** A token for the audience, renewed when it is about to expire; signs out when it cannot be. */
  async token(audience: Audience): Promise<string> {
    const stored = this.#stored;
    if (stored === undefined) throw new SignInError(401, 'Sign in first.');
    const held = stored.tokens[audience];
    if (held !== undefined && held.expiresAt - RENEW_BEFORE_MS > Date.now()) return held.accessToken;
    const grant: Grant | undefined =
      stored.grant.kind === 'code'
        ? stored.grant
        : this.#secret === undefined
          ? undefined
          : { ...stored.grant, clientSecret: this.#secret };
    if (grant === undefined) {
      this.signOut();
      throw new SignInError(401, 'The session has expired; sign in again.');
    }
    const token = await requestToken(grant, audience);
    stored.tokens[audience] = token;
    save(stored);
    return token.accessToken;
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
