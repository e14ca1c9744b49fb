/**
 * Checks a bearer token and returns its claims, or throws an `AuthenticationError` whose code names the
 * first check that failed. jose checks the signature, expiry, not-before, audience and issuer; this module
 * fixes what jose would otherwise take from its options or the token, and words each refusal as our
 * clients and the audit log expect. Only RS256 is accepted: `none` and HMAC algorithms are refused before
 * any key is looked up, so a public key can never be misused as an HMAC secret. Keys come from a lookup,
 * so the same code verifies our own tokens (the key store) and an external issuer's (a JWK set).
 */
import { KeyObject } from 'node:crypto';
import { createLocalJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AuthenticationError } from '../errors.ts';

export type PublicKeyLookup = (kid: string) => KeyObject | undefined | Promise<KeyObject | undefined>;

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

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The bytes of an unpadded, canonical base64url segment, or undefined. jose's decoder (like Node's) skips
 * padding and ignores non-zero trailing bits, which would give one signature or payload two spellings.
 */
function decodeSegment(segment: string): Buffer | undefined {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
}

function readJsonSegment(segment: string, part: string): Record<string, unknown> {
  const bytes = decodeSegment(segment);
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

/** Shape checks that jose words too vaguely for a client to act on; returns the header's kid. */
function checkStructure(token: string): string {
  const parts = token.split('.');
  if (parts.length !== 3) {
    throw malformed(`The token has ${parts.length} dot-separated part(s), a JWT has 3`);
  }
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = readJsonSegment(headerPart, 'header');
  readJsonSegment(payloadPart, 'payload');
  if (!decodeSegment(signaturePart))
    throw malformed("The token's signature is not base64url without padding");
  // The algorithm is fixed here, never taken from the token: that is what stops 'none' and HS256 attacks.
  if (header.alg !== 'RS256') {
    const found = typeof header.alg === 'string' ? `'${header.alg}'` : 'no algorithm';
    throw new AuthenticationError(
      'UnsupportedAlgorithm',
      `The token is signed with ${found}; only RS256 tokens are accepted.`,
    );
  }
  // RFC 7515: a critical extension we do not understand means we must not accept the token. jose would
  // accept `b64`, which no token of ours or Entra's uses.
  if (header.crit !== undefined) {
    throw malformed('The token header lists critical extensions (crit), which are not supported');
  }
  if (typeof header.kid !== 'string' || header.kid.length === 0) {
    throw new AuthenticationError(
      'UnknownKey',
      'The token header has no key id (kid), so its signing key cannot be found; request a new token.',
    );
  }
  return header.kid;
}

async function findKey(kid: string, keys: PublicKeyLookup): Promise<KeyObject> {
  const key = await keys(kid);
  if (!key) {
    throw new AuthenticationError(
      'UnknownKey',
      `The token was signed with key '${kid}', which is unknown or retired; request a new token.`,
    );
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'rsa') {
    throw new AuthenticationError(
      'UnsupportedAlgorithm',
      `Key '${kid}' is not an RSA public key, so it cannot verify an RS256 token.`,
    );
  }
  return key;
}

function withoutTrailingSlash(value: string): string {
  return value.endsWith('/') ? value.slice(0, -1) : value;
}

function iso(epochSeconds: unknown): string {
  return new Date(Number(epochSeconds) * 1000).toISOString();
}

function audienceRefusal(aud: unknown, accepted: readonly string[]): AuthenticationError {
  const found =
    typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a) => typeof a === 'string') : [];
  const foundText = found.length === 0 ? 'no audience' : `audience ${found.map((a) => `'${a}'`).join(', ')}`;
  return new AuthenticationError(
    'InvalidAudience',
    `The token's ${foundText} is not accepted here; request a token for ${accepted.join(' or ')}.`,
  );
}

/** jose's refusal in our words; anything unforeseen is an invalid token, never a 500. */
function refusal(error: unknown, kid: string, options: VerifyOptions): AuthenticationError {
  if (error instanceof AuthenticationError) return error;
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthenticationError(
      'InvalidSignature',
      `The token's signature does not match key '${kid}'; it was altered or signed by someone else.`,
    );
  }
  if (error instanceof errors.JWTExpired) {
    return new AuthenticationError(
      'TokenExpired',
      `The token expired at ${iso(error.payload.exp)}; request a new token.`,
    );
  }
  if (!(error instanceof errors.JWTClaimValidationFailed)) {
    return malformed(`The token could not be verified (${(error as Error).message})`);
  }
  const { claim, reason, payload } = error;
  if (claim === 'iss') {
    const foundText = typeof payload.iss === 'string' ? `'${payload.iss}'` : 'missing';
    return new AuthenticationError(
      'InvalidIssuer',
      `The token's issuer ${foundText} is not trusted here; accepted issuers: ${options.issuers.join(', ')}.`,
    );
  }
  if (claim === 'aud') return audienceRefusal(payload.aud, options.audiences);
  if (claim === 'nbf' && reason === 'check_failed') {
    return new AuthenticationError(
      'TokenNotYetValid',
      `The token is not valid before ${iso(payload.nbf)}; check the clocks of this host and the issuer.`,
    );
  }
  if (claim === 'exp') return malformed('The token has no numeric expiry (exp)');
  if (claim === 'nbf') return malformed("The token's not-before time (nbf) is not a number");
  return malformed(`The token's ${claim} claim is not valid (${error.message})`);
}

export async function verifyToken(token: string, options: VerifyOptions): Promise<VerifiedClaims> {
  const kid = checkStructure(token);
  const key = await findKey(kid, options.keys);
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['RS256'],
      requiredClaims: ['exp'],
      // Both spellings of each audience: with and without one trailing slash, as Entra's clients vary.
      audience: options.audiences.flatMap((a) => [withoutTrailingSlash(a), `${withoutTrailingSlash(a)}/`]),
      issuer: [...options.issuers],
      clockTolerance: options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
      currentDate: new Date((options.now ?? Date.now)()),
    });
    return payload as VerifiedClaims;
  } catch (error) {
    throw refusal(error, kid, options);
  }
}

/**
 * The lookup over a jose key resolver (a local or remote JWK set): the RS256 key with that kid, or
 * undefined when the set has none, several, or only one that does not import or is shorter than 2048 bits.
 * Our own `AuthenticationError`s (an issuer that cannot be reached) pass through.
 */
export function keysFromKeySet(keySet: JWTVerifyGetKey): (kid: string) => Promise<KeyObject | undefined> {
  return async (kid) => {
    let key: Awaited<ReturnType<JWTVerifyGetKey>>;
    try {
      key = await keySet({ alg: 'RS256', kid }, { payload: '', signature: '' });
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      return undefined;
    }
    // A JWK set yields CryptoKeys; the verifier works with KeyObjects, as the key store does.
    const object =
      key instanceof KeyObject ? key : key instanceof CryptoKey ? KeyObject.from(key) : undefined;
    const bits = object?.asymmetricKeyDetails?.modulusLength ?? 0;
    return bits >= MIN_MODULUS_LENGTH ? object : undefined;
  };
}

/** A lookup over a JWKS document (ours or an external issuer's); entries that are not objects are dropped. */
export function keysFromJwks(jwks: unknown): (kid: string) => Promise<KeyObject | undefined> {
  const entries = (jwks as { keys?: unknown } | null)?.keys;
  const keys = Array.isArray(entries)
    ? entries.filter((k): k is Record<string, unknown> => typeof k === 'object' && k !== null)
    : [];
  return keysFromKeySet(createLocalJWKSet({ keys }));
}
