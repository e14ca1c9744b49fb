/**
 * The verified-token cache answers as the full check would: a hit within its time-to-live skips the
 * signature check, an expired token is refused even when cached, other audiences are checked anew, and
 * after the time-to-live the full check runs again (and sees a key that was withdrawn).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { createVerifiedTokens } from './verified-tokens.ts';
import type { VerifyOptions } from './verifier.ts';

const ISSUER = 'https://issuer.test/tenant/';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

async function token(expSeconds: number, audience = 'https://management.azure.com'): Promise<string> {
  return new SignJWT({ oid: 'o' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setExpirationTime(expSeconds)
    .sign(privateKey);
}

function options(
  now: () => number,
  keys: () => KeyObject | undefined,
  lookups: { n: number },
): VerifyOptions {
  return {
    keys: () => {
      lookups.n += 1;
      return keys();
    },
    audiences: ['https://management.azure.com'],
    issuers: [ISSUER],
    now,
    clockSkewSeconds: 0,
  };
}

test('a repeated token is checked once per time-to-live, and its expiry on every use', async () => {
  let clock = 1_000_000_000_000;
  const now = () => clock;
  const lookups = { n: 0 };
  let key: KeyObject | undefined = publicKey;
  const cache = createVerifiedTokens({ ttlMs: 60_000, now });
  const opts = options(now, () => key, lookups);
  const jwt = await token(clock / 1000 + 120);
  await cache.verify(jwt, opts);
  await cache.verify(jwt, opts);
  assert.equal(lookups.n, 1, 'the second use hit the cache');

  key = undefined;
  clock += 61_000;
  await assert.rejects(cache.verify(jwt, opts), /key/i, 'after the time-to-live a withdrawn key refuses it');

  key = publicKey;
  await cache.verify(jwt, opts);
  clock += 60_000;
  await assert.rejects(cache.verify(jwt, opts), /expired/i, 'cached, yet expired');
});

test('a token cached for one audience is checked anew for another', async () => {
  const clock = 1_000_000_000_000;
  const now = () => clock;
  const lookups = { n: 0 };
  const cache = createVerifiedTokens({ now });
  const jwt = await token(clock / 1000 + 120);
  await cache.verify(
    jwt,
    options(now, () => publicKey, lookups),
  );
  await assert.rejects(
    cache.verify(jwt, { ...options(now, () => publicKey, lookups), audiences: ['https://ml.azure.com'] }),
    /audience/i,
  );
});
