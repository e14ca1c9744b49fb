/**
 * A small OpenID Connect provider for tests, over real HTTP on 127.0.0.1: a discovery document, its JWKS
 * (an RSA key made at start), an authorization endpoint that signs in whoever the test set as `user`
 * (or refuses, as a person who clicks "Cancel" does) and redirects back with a code, and a token endpoint
 * that checks what a real one checks: the client id, the exact redirect URI given at authorization, the
 * code used once and within a minute, and the PKCE verifier against the S256 challenge. The token
 * endpoint answers CORS, as issuers do for single-page apps. Its access tokens carry the configured
 * audience, so a Nightshift server that trusts this issuer accepts them. Only registered redirect URIs
 * are ever redirected to, as a real provider does: anything else is a 400 page.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface OidcUser {
  /** Also the object id (`oid`) Nightshift assigns roles to. */
  sub: string;
  name: string;
  preferred_username: string;
}

export interface OidcProvider {
  /** The issuer: `http://127.0.0.1:PORT`. */
  url: string;
  clientId: string;
  audience: string;
  /** Who the next authorization signs in. */
  user: OidcUser;
  /** When set, the next authorizations answer `error=<deny>` instead of a code. */
  deny: string | undefined;
  /** The lifetime of the tokens it issues. */
  tokenLifetimeSeconds: number;
  /** Registers a redirect URI of the client (exact match, as providers require). */
  allowRedirect(uri: string): void;
  /** An access token for `user` without the browser flow, for HTTP tests. */
  accessToken(user: OidcUser, claims?: Record<string, unknown>): Promise<string>;
  /** Every token request, granted or not, with the reason of a refusal. */
  exchanges: { granted: boolean; reason?: string }[];
  stop(): Promise<void>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  scope: string;
  user: OidcUser;
  at: number;
}

export function newUser(name: string): OidcUser {
  return {
    sub: randomUUID(),
    name,
    preferred_username: `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`,
  };
}

const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type' };

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      resolve(Buffer.concat(chunks).toString());
    });
  });
}

export async function startOidcProvider(options: {
  clientId: string;
  audience: string;
}): Promise<OidcProvider> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomBytes(8).toString('hex');
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  const redirects = new Set<string>();
  const codes = new Map<string, PendingCode>();
  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;

  const provider: OidcProvider = {
    url,
    clientId: options.clientId,
    audience: options.audience,
    user: newUser('Test User'),
    deny: undefined,
    tokenLifetimeSeconds: 3600,
    exchanges: [],
    allowRedirect: (uri) => redirects.add(uri),
    accessToken: (user, claims = {}) => sign(privateKey, user, options.audience, claims),
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };

  function sign(key: typeof privateKey, user: OidcUser, audience: string, claims: Record<string, unknown>) {
    return new SignJWT({ ...user, oid: user.sub, azp: options.clientId, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(typeof claims.iss === 'string' ? claims.iss : url)
      .setAudience(typeof claims.aud === 'string' ? claims.aud : audience)
      .setSubject(user.sub)
      .setJti(randomUUID())
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime(`${String(provider.tokenLifetimeSeconds)}s`)
      .sign(key);
  }

  function authorize(query: URLSearchParams, res: ServerResponse): void {
    const redirectUri = query.get('redirect_uri') ?? '';
    if (query.get('client_id') !== options.clientId || !redirects.has(redirectUri)) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('Unknown client or redirect URI: this provider redirects only to registered URIs.');
      return;
    }
    const back = new URL(redirectUri);
    const state = query.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const challenge = query.get('code_challenge') ?? '';
    if (provider.deny !== undefined) {
      back.searchParams.set('error', provider.deny);
      back.searchParams.set('error_description', 'The user declined to sign in.');
    } else if (
      query.get('response_type') !== 'code' ||
      query.get('code_challenge_method') !== 'S256' ||
      challenge === ''
    ) {
      back.searchParams.set('error', 'invalid_request');
      back.searchParams.set('error_description', 'The code flow with an S256 PKCE challenge is required.');
    } else {
      const code = randomBytes(24).toString('base64url');
      const scope = query.get('scope') ?? '';
      codes.set(code, {
        clientId: options.clientId,
        redirectUri,
        challenge,
        scope,
        user: provider.user,
        at: Date.now(),
      });
      back.searchParams.set('code', code);
      back.searchParams.set('iss', url);
    }
    res.writeHead(302, { location: back.href });
    res.end();
  }

  /** Why a code exchange is refused, or undefined when it is granted. */
  function refusal(form: URLSearchParams, pending: PendingCode | undefined): string | undefined {
    if (form.get('grant_type') !== 'authorization_code') return 'Only authorization_code is supported.';
    if (pending === undefined || Date.now() - pending.at > 60_000)
      return 'The code is unknown, used or expired.';
    if (form.get('client_id') !== pending.clientId) return 'The code was issued to another client.';
    if (form.get('redirect_uri') !== pending.redirectUri)
      return 'The redirect URI differs from the authorization request.';
    const verifier = form.get('code_verifier') ?? '';
    const hashed = createHash('sha256').update(verifier).digest('base64url');
    if (verifier.length < 43 || hashed !== pending.challenge)
      return 'The PKCE code verifier does not match the challenge.';
    return undefined;
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const code = form.get('code') ?? '';
    const pending = codes.get(code);
    codes.delete(code);
    const reason = refusal(form, pending);
    provider.exchanges.push(reason === undefined ? { granted: true } : { granted: false, reason });
    if (reason !== undefined || pending === undefined) {
      send(res, 400, { error: 'invalid_grant', error_description: reason }, CORS);
      return;
    }
    send(
      res,
      200,
      {
        token_type: 'Bearer',
        expires_in: provider.tokenLifetimeSeconds,
        scope: pending.scope,
        access_token: await sign(privateKey, pending.user, options.audience, { scp: pending.scope }),
        id_token: await sign(privateKey, pending.user, options.clientId, {}),
      },
      CORS,
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = new URL(req.url ?? '/', url);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'access-control-allow-methods': 'GET, POST' });
      res.end();
    } else if (at.pathname === '/.well-known/openid-configuration') {
      send(
        res,
        200,
        {
          issuer: url,
          authorization_endpoint: `${url}/authorize`,
          token_endpoint: `${url}/token`,
          jwks_uri: `${url}/keys`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
          id_token_signing_alg_values_supported: ['RS256'],
        },
        CORS,
      );
    } else if (at.pathname === '/keys') send(res, 200, { keys: [jwk] }, CORS);
    else if (at.pathname === '/authorize' && req.method === 'GET') authorize(at.searchParams, res);
    else if (at.pathname === '/token' && req.method === 'POST') await token(req, res);
    else send(res, 404, { error: 'not_found' });
  }

  return provider;
}
