/**
 * Checks a bearer token and returns its claims, or throws an `AuthenticationError` whose code names the
 * first check that failed. Only RS256 is accepted: `none` and HMAC algorithms are refused before any key
 * is looked up, so a public key can never be misused as an HMAC secret. Keys come from a lookup function,
 * so the same code verifies our own tokens (the key store) and an external issuer's (`keysFromJwks`).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { AuthenticationError } from '../errors.ts';
import { decodeStrict } from './base64url.ts';

export type PublicKeyLookup = (kid: string) => KeyObject | undefined;

export interface VerifyOptions {
  keys: PublicKeyLookup;
  /** Accepted `aud` values; a single trailing slash is ignored on both sides. */
  audiences: readonly string[];
  /** Accepted `iss` values, compared exactly (Entra's v1 issuer really ends with a slash). */
  issuers: readonly string[];
  /** Epoch milliseconds; defaults to Date.now. */
  now?: () => number;
  /** Tolerated clock difference with the issuer for `exp` and `nbf`. */
  clockSkewSeconds?: number;
}

/** The claims every accepted token has been checked to carry, plus whatever else it says. */
export interface VerifiedClaims {
  aud: string | string[];
  iss: string;
  exp: number;
  nbf?: number;
  iat?: number;
  sub?: string;
  oid?: string;
  tid?: string;
  [claim: string]: unknown;
}

const DEFAULT_CLOCK_SKEW_SECONDS = 300;
/** Shorter RSA keys are breakable; an external JWKS offering one is refused rather than trusted. */
const MIN_MODULUS_LENGTH = 2048;

function malformed(message: string): AuthenticationError {
  return new AuthenticationError(
    'InvalidToken',
    `${message}; send the access_token exactly as the token endpoint returned it, as 'Authorization: Bearer <token>'.`,
  );
}

function decodeJsonObject(segment: string, part: string): Record<string, unknown> {
  const bytes = decodeStrict(segment);
  if (!bytes) throw malformed(`The token's ${part} is not base64url without padding`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformed(`The token's ${part} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(`The token's ${part} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function withoutTrailingSlash(value: string): string {
  return value.endsWith('/') ? value.slice(0, -1) : value;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function iso(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}

export function verifyToken(token: string, options: VerifyOptions): VerifiedClaims {
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw malformed(`The token has ${parts.length} dot-separated part(s), a JWT has 3`);
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJsonObject(headerPart, 'header');
  const payload = decodeJsonObject(payloadPart, 'payload');
  const signature = decodeStrict(signaturePart);
  if (!signature) throw malformed("The token's signature is not base64url without padding");

  // The algorithm is fixed here, never taken from the token: that is what stops 'none' and HS256 attacks.
  if (header.alg !== 'RS256') {
    const found = typeof header.alg === 'string' ? `'${header.alg}'` : 'no algorithm';
    throw new AuthenticationError(
      'UnsupportedAlgorithm',
      `The token is signed with ${found}; only RS256 tokens are accepted.`,
    );
  }
  // RFC 7515: a critical extension we do not understand means we must not accept the token.
  if (header.crit !== undefined) {
    throw malformed('The token header lists critical extensions (crit), which are not supported');
  }
  if (typeof header.kid !== 'string' || header.kid.length === 0) {
    throw new AuthenticationError(
      'UnknownKey',
      'The token header has no key id (kid), so its signing key cannot be found; request a new token.',
    );
  }
  const key = options.keys(header.kid);
  if (!key) {
    throw new AuthenticationError(
      'UnknownKey',
      `The token was signed with key '${header.kid}', which is unknown or retired; request a new token.`,
    );
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'rsa') {
    throw new AuthenticationError(
      'UnsupportedAlgorithm',
      `Key '${header.kid}' is not an RSA public key, so it cannot verify an RS256 token.`,
    );
  }
  const data = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii');
  if (!verify('sha256', data, key, signature)) {
    throw new AuthenticationError(
      'InvalidSignature',
      `The token's signature does not match key '${header.kid}'; it was altered or signed by someone else.`,
    );
  }

  const now = (options.now ?? Date.now)() / 1000;
  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  if (!isNumericDate(payload.exp)) {
    throw malformed('The token has no numeric expiry (exp)');
  }
  if (now >= payload.exp + skew) {
    throw new AuthenticationError(
      'TokenExpired',
      `The token expired at ${iso(payload.exp)}; request a new token.`,
    );
  }
  if (payload.nbf !== undefined) {
    if (!isNumericDate(payload.nbf)) throw malformed("The token's not-before time (nbf) is not a number");
    if (now + skew < payload.nbf) {
      throw new AuthenticationError(
        'TokenNotYetValid',
        `The token is not valid before ${iso(payload.nbf)}; check the clocks of this host and the issuer.`,
      );
    }
  }

  const aud = payload.aud;
  const found =
    typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a) => typeof a === 'string') : [];
  const accepted = new Set(options.audiences.map(withoutTrailingSlash));
  if (!found.some((a) => accepted.has(withoutTrailingSlash(a)))) {
    const foundText =
      found.length === 0 ? 'no audience' : `audience ${found.map((a) => `'${a}'`).join(', ')}`;
    throw new AuthenticationError(
      'InvalidAudience',
      `The token's ${foundText} is not accepted here; request a token for ${options.audiences.join(' or ')}.`,
    );
  }

  if (typeof payload.iss !== 'string' || !options.issuers.includes(payload.iss)) {
    const foundText = typeof payload.iss === 'string' ? `'${payload.iss}'` : 'missing';
    throw new AuthenticationError(
      'InvalidIssuer',
      `The token's issuer ${foundText} is not trusted here; accepted issuers: ${options.issuers.join(', ')}.`,
    );
  }

  return payload as VerifiedClaims;
}

/**
 * A key lookup over a JWKS document (ours or an external issuer's). Keys that are not RSA signature keys,
 * lack a kid, or are shorter than 2048 bits are left out, so they can never verify anything.
 */
export function keysFromJwks(jwks: unknown): PublicKeyLookup {
  const byKid = new Map<string, KeyObject>();
  const entries =
    typeof jwks === 'object' && jwks !== null && Array.isArray((jwks as { keys?: unknown }).keys)
      ? (jwks as { keys: unknown[] }).keys
      : [];
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) continue;
    const jwk = entry as Record<string, unknown>;
    if (jwk.kty !== 'RSA' || typeof jwk.kid !== 'string') continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.alg !== undefined && jwk.alg !== 'RS256') continue;
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') continue;
    try {
      // Only the public members are passed on, so a JWKS that leaks private parts still yields a public key.
      const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits >= MIN_MODULUS_LENGTH) byKid.set(jwk.kid, key);
    } catch {
      // A key that does not parse is skipped: one bad entry must not take down the others.
    }
  }
  return (kid) => byKid.get(kid);
}
