/**
 * Tokens already verified, so a client that polls with one token (a pipeline's status loop, the studio, a
 * hundred pollers) pays the RSA signature check once a minute rather than on every request. A hit still
 * re-checks the times (`exp`, `nbf`, with the verifier's skew) on every request, and the entry is keyed by
 * the accepted audiences and issuers as well as the token, so it answers exactly what a full check would.
 * What it cannot see is a signing key withdrawn after the check: the entry lives at most `ttlMs`, which
 * bounds that. A miss, or an entry whose times no longer hold, goes through the full check, which words
 * the refusal.
 */
import { verifyToken, type VerifiedClaims, type VerifyOptions } from './verifier.ts';

const DEFAULT_TTL_MS = 60_000;
const DEFAULT_MAX_ENTRIES = 5_000;
const DEFAULT_CLOCK_SKEW_SECONDS = 300;

interface Entry {
  claims: VerifiedClaims;
  verifiedAt: number;
}

export interface VerifiedTokens {
  verify(token: string, options: VerifyOptions): Promise<VerifiedClaims>;
}

export function createVerifiedTokens(
  settings: { ttlMs?: number; maxEntries?: number; now?: () => number } = {},
): VerifiedTokens {
  const ttlMs = settings.ttlMs ?? DEFAULT_TTL_MS;
  const max = settings.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const clock = settings.now ?? Date.now;
  const entries = new Map<string, Entry>();

  const timesHold = (claims: VerifiedClaims, options: VerifyOptions): boolean => {
    const nowSeconds = (options.now ?? clock)() / 1000;
    const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    if (!(claims.exp + skew > nowSeconds)) return false;
    return claims.nbf === undefined || claims.nbf - skew <= nowSeconds;
  };

  return {
    async verify(token, options) {
      const key = `${options.audiences.join(' ')}\n${options.issuers.join(' ')}\n${token}`;
      const hit = entries.get(key);
      if (hit !== undefined && clock() - hit.verifiedAt < ttlMs && timesHold(hit.claims, options)) {
        return hit.claims;
      }
      entries.delete(key);
      const claims = await verifyToken(token, options);
      // Oldest first out: Map keeps insertion order.
      if (entries.size >= max) entries.delete(entries.keys().next().value ?? '');
      entries.set(key, { claims, verifiedAt: clock() });
      return claims;
    },
  };
}
