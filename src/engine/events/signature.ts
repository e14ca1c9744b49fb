/**
 * The signature a receiver checks: HMAC-SHA256 over `<timestamp>.<raw body>` with the subscription's
 * secret, hex, sent as `x-nightshift-signature: v1=<hex>` beside `x-nightshift-timestamp` (Unix seconds).
 * The timestamp is inside what is signed, so a captured request cannot be replayed later with a fresh
 * one; a receiver refuses old timestamps (five minutes is the README's advice).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-nightshift-signature';
export const TIMESTAMP_HEADER = 'x-nightshift-timestamp';

export function signBody(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret)
    .update(`${String(timestamp)}.${body}`)
    .digest('hex')}`;
}

/** What a receiver does (and the tests): recompute and compare in constant time. */
export function verifySignature(secret: string, timestamp: string, body: string, header: string): boolean {
  const expected = Buffer.from(signBody(secret, Number(timestamp), body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
