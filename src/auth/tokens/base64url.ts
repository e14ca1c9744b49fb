/**
 * Strict base64url for JWS segments. Node's decoder silently skips characters outside the alphabet, which
 * would let two different strings decode to the same bytes; the verifier must refuse those instead.
 */

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** The bytes of an unpadded base64url string, or undefined if it is not one. */
export function decodeStrict(segment: string): Buffer | undefined {
  // A length of 1 mod 4 cannot come from any byte string.
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  // Non-canonical trailing bits (e.g. 'QR' vs 'QQ') would give two spellings of one signature or payload.
  return bytes.toString('base64url') === segment ? bytes : undefined;
}
