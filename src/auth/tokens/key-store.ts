/**
 * The RS256 signing keys of the built-in token service. Each key is one JSON file (private JWK, kid,
 * createdAt) in a folder the caller gives (the data dir's `keys/`), readable by the owner only; the kid
 * and the published public JWK come from jose (RFC 7638 thumbprint, JWK export). The newest
 * key signs; `rotate()` makes a new one while older keys stay available for verification until they have
 * been superseded for `retireAfterMs`, so tokens issued before a rotation keep working until they expire.
 * The clock is injected so tests can advance time instead of waiting.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { ValidationError } from '../../core/errors.ts';
import { KeyStoreError } from '../errors.ts';

/** Made by the one server that makes the first key of an empty keys dir (`#makeFirstKey`). */
const FIRST_KEY_MARKER = 'first-key.marker';
const FIRST_KEY_WAIT_MS = 10_000;
const generateRsaKeyPair = promisify(generateKeyPair);

/** 2048 bits is what Entra ID signs with and what every JWT library accepts. */
const MODULUS_LENGTH = 2048;

/**
 * How long a superseded key stays verifiable by default. It must outlast the longest token lifetime the
 * service hands out (Entra's default is about an hour), or tokens issued just before a rotation would break.
 */
const DEFAULT_RETIRE_AFTER_MS = 24 * 60 * 60 * 1000;

export interface SigningKey {
  kid: string;
  /** Epoch milliseconds. */
  createdAt: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** What the JWKS document publishes for this key. */
  jwk: PublicJwk;
}

/** A public JWK as published in the JWKS document. */
export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  use: 'sig';
  alg: 'RS256';
}

export interface Jwks {
  keys: PublicJwk[];
}

export interface KeyStoreOptions {
  /** The folder holding the key files; created (mode 0700) if missing. */
  dir: string;
  /** Epoch milliseconds; defaults to Date.now. */
  now?: () => number;
  /** How long a key stays verifiable after a newer key replaced it. */
  retireAfterMs?: number;
}

interface StoredKey {
  kid: string;
  createdAt: string;
  jwk: JsonWebKey;
}

/**
 * The kid (the RFC 7638 thumbprint, so a file can never claim another key's kid) and the public JWK: only
 * `n` and `e` are taken from the export, never `d`, `p`, `q` or the other private fields.
 */
async function publicParts(publicKey: KeyObject): Promise<{ kid: string; jwk: PublicJwk }> {
  const { n, e } = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n, e });
  return { kid, jwk: { kty: 'RSA', n: String(n), e: String(e), kid, use: 'sig', alg: 'RS256' } };
}

export class KeyStore {
  readonly #dir: string;
  readonly #now: () => number;
  readonly #retireAfterMs: number;
  /** Oldest first; the last one is current. Never empty once `open` has returned. */
  #keys: SigningKey[] = [];
  /** Rotations run one at a time, so two concurrent calls cannot both write and prune. */
  #pending: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, now: () => number, retireAfterMs: number) {
    this.#dir = dir;
    this.#now = now;
    this.#retireAfterMs = retireAfterMs;
  }

  /** Loads the keys in `dir`, making the first one if there is none yet. */
  static async open(options: KeyStoreOptions): Promise<KeyStore> {
    const retireAfterMs = options.retireAfterMs ?? DEFAULT_RETIRE_AFTER_MS;
    if (!Number.isFinite(retireAfterMs) || retireAfterMs < 0) {
      throw new ValidationError(
        `retireAfterMs must be a non-negative number of milliseconds, got ${retireAfterMs}.`,
        'retireAfterMs',
      );
    }
    const store = new KeyStore(options.dir, options.now ?? Date.now, retireAfterMs);
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    store.#keys = await store.#load();
    if (store.#keys.length === 0) await store.#makeFirstKey();
    else await store.#prune();
    return store;
  }

  /**
   * Servers that scale out share one keys dir and may first start at the same moment: only one of them
   * makes the first key (whoever creates the marker file), the others wait for it and load it, so every
   * server signs with a key all of them know. A maker that died before writing its key leaves the others
   * to make one after a while.
   */
  async #makeFirstKey(): Promise<void> {
    const marker = join(this.#dir, FIRST_KEY_MARKER);
    const mine = await writeFile(marker, '', { flag: 'wx', mode: 0o600 }).then(
      () => true,
      (error: unknown) => {
        if ((error as { code?: string }).code !== 'EEXIST') throw error;
        return false;
      },
    );
    if (!mine) {
      for (let waited = 0; waited < FIRST_KEY_WAIT_MS; waited += 50) {
        await sleep(50);
        this.#keys = await this.#load();
        if (this.#keys.length > 0) return;
      }
    }
    // Another server may have written its key and removed its marker between our load and our marker.
    this.#keys = await this.#load();
    if (this.#keys.length === 0) await this.rotate();
    await rm(marker, { force: true });
  }

  /** The key that signs new tokens. */
  current(): SigningKey {
    const key = this.#keys.at(-1);
    if (!key) throw new KeyStoreError(`No signing key in ${this.#dir}; open the store with KeyStore.open.`);
    return key;
  }

  /** A key that may still verify tokens, or undefined if it never existed or has been retired. */
  byKid(kid: string): SigningKey | undefined {
    return this.#active().find((key) => key.kid === kid);
  }

  /** The lookup the verifier takes. */
  publicKey(kid: string): KeyObject | undefined {
    return this.byKid(kid)?.publicKey;
  }

  /** Makes a new current key; older keys stay verifiable until retired, and retired ones are deleted. */
  rotate(): Promise<SigningKey> {
    const next = this.#pending.then(() => this.#rotateNow());
    this.#pending = next.catch(() => undefined);
    return next;
  }

  /** The public halves of every key still verifiable: never `d`, `p`, `q` or the other private fields. */
  jwks(): Jwks {
    return { keys: this.#active().map((key) => ({ ...key.jwk })) };
  }

  async #rotateNow(): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateRsaKeyPair('rsa', { modulusLength: MODULUS_LENGTH });
    // A clock that did not advance (tests, coarse timers) must still order the new key last.
    const previous = this.#keys.at(-1);
    const createdAt = Math.max(this.#now(), previous ? previous.createdAt + 1 : 0);
    const key: SigningKey = { ...(await publicParts(publicKey)), createdAt, privateKey, publicKey };
    const stored: StoredKey = {
      kid: key.kid,
      createdAt: new Date(createdAt).toISOString(),
      jwk: privateKey.export({ format: 'jwk' }),
    };
    // Write then rename, so a crash never leaves a half-written key file behind.
    const file = join(this.#dir, `${key.kid}.json`);
    const temp = `${file}.tmp`;
    await writeFile(temp, JSON.stringify(stored, null, 2), { mode: 0o600 });
    await chmod(temp, 0o600); // the umask cannot widen it, but an existing temp file would keep its mode
    await rename(temp, file);
    this.#keys.push(key);
    await this.#prune();
    return key;
  }

  /** Keys still usable: the current one always; an older one until its successor is retireAfterMs old. */
  #active(): SigningKey[] {
    const now = this.#now();
    return this.#keys.filter((_, index) => {
      const successor = this.#keys[index + 1];
      return !successor || now - successor.createdAt < this.#retireAfterMs;
    });
  }

  async #prune(): Promise<void> {
    const active = new Set(this.#active());
    const retired = this.#keys.filter((key) => !active.has(key));
    this.#keys = this.#keys.filter((key) => active.has(key));
    for (const key of retired) await rm(join(this.#dir, `${key.kid}.json`), { force: true });
  }

  async #load(): Promise<SigningKey[]> {
    const names = (await readdir(this.#dir)).filter((name) => name.endsWith('.json')).sort();
    const keys: SigningKey[] = [];
    for (const name of names) keys.push(await this.#loadFile(join(this.#dir, name)));
    return keys.sort((a, b) => a.createdAt - b.createdAt);
  }

  async #loadFile(file: string): Promise<SigningKey> {
    const fix = 'delete the file to drop that key (tokens it signed will stop being accepted).';
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new KeyStoreError(
        `Signing key file ${file} is not valid JSON (${(error as Error).message}); ${fix}`,
      );
    }
    if (typeof parsed !== 'object' || parsed === null) {
      throw new KeyStoreError(`Signing key file ${file} does not hold a JSON object; ${fix}`);
    }
    const stored = parsed as Partial<Record<keyof StoredKey, unknown>>;
    const createdAt = typeof stored.createdAt === 'string' ? Date.parse(stored.createdAt) : NaN;
    if (
      typeof stored.kid !== 'string' ||
      Number.isNaN(createdAt) ||
      typeof stored.jwk !== 'object' ||
      stored.jwk === null
    ) {
      throw new KeyStoreError(`Signing key file ${file} lacks a kid, createdAt or jwk; ${fix}`);
    }
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: stored.jwk as JsonWebKey, format: 'jwk' });
    } catch (error) {
      throw new KeyStoreError(
        `Signing key file ${file} holds no usable private JWK (${(error as Error).message}); ${fix}`,
      );
    }
    if (privateKey.asymmetricKeyType !== 'rsa') {
      throw new KeyStoreError(
        `Signing key file ${file} holds a ${privateKey.asymmetricKeyType} key, not RSA; ${fix}`,
      );
    }
    const publicKey = createPublicKey(privateKey);
    const { kid, jwk } = await publicParts(publicKey);
    if (kid !== stored.kid) {
      throw new KeyStoreError(
        `Signing key file ${file} claims kid '${stored.kid}' but holds another key; ${fix}`,
      );
    }
    return { kid, createdAt, privateKey, publicKey, jwk };
  }
}
