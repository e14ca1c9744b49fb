/**
 * Client secrets of service principals: made like Entra's (about 40 URL-safe characters), stored only as a
 * salted scrypt hash in a self-describing string (`scrypt$N$r$p$salt$hash`, base64) so the cost can be
 * raised later without breaking stored hashes, and verified in constant time.
 */
import { randomBytes, randomUUID, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
// Bounds for parameters read back from storage, so a corrupted record cannot make verification hang.
const MAX_N = 1 << 20;
const MAX_RP = 32;

function derive(secret: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  const n = options.N ?? N;
  const r = options.r ?? R;
  const p = options.p ?? P;
  // Node refuses when 128*N*r*p exceeds maxmem (32 MiB by default); allow what the parameters need.
  const maxmem = 256 * n * r * p;
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, { ...options, maxmem }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** A new client secret: 30 random bytes as 40 base64url characters. */
export function newSecret(): string {
  return randomBytes(30).toString('base64url');
}

/** A new application (client) id or object id. */
export function newClientId(): string {
  return randomUUID();
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(secret, salt, KEY_LENGTH, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface Parsed {
  n: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): Parsed | undefined {
  const [scheme, n, r, p, salt, hash, ...extra] = stored.split('$');
  if (scheme !== 'scrypt' || extra.length > 0 || salt === undefined || hash === undefined) return undefined;
  const [nv, rv, pv] = [Number(n), Number(r), Number(p)];
  const powerOfTwo = Number.isInteger(nv) && nv > 1 && nv <= MAX_N && (nv & (nv - 1)) === 0;
  const small = (v: number) => Number.isInteger(v) && v >= 1 && v <= MAX_RP;
  if (!powerOfTwo || !small(rv) || !small(pv)) return undefined;
  const h = Buffer.from(hash, 'base64');
  if (h.length < 16 || h.length > 64) return undefined;
  return { n: nv, r: rv, p: pv, salt: Buffer.from(salt, 'base64'), hash: h };
}

// Verifying against this when there is no stored hash (unknown client id) costs the same as a real check,
// so response time does not tell which client ids exist.
const DUMMY = { n: N, r: R, p: P, salt: Buffer.alloc(SALT_LENGTH), hash: Buffer.alloc(KEY_LENGTH) };

/**
 * True when `secret` matches `stored`. The key is derived at the stored hash's own length, so the
 * comparison is always between equal-length buffers and never exits early. A missing or malformed
 * `stored` costs a full derivation and returns false.
 */
export async function verifySecret(secret: string, stored: string | undefined): Promise<boolean> {
  const parsed = stored === undefined ? undefined : parse(stored);
  const target = parsed ?? DUMMY;
  const key = await derive(secret, target.salt, target.hash.length, {
    N: target.n,
    r: target.r,
    p: target.p,
  });
  const same = timingSafeEqual(key, target.hash);
  return parsed !== undefined && same;
}
