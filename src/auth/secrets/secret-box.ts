/**
 * Encrypts secrets the server must keep but never show (pipeline SecureString values today; linked service
 * credentials later) with AES-256-GCM under one random key per data dir. The key lives in a file readable by
 * the owner only, made at the first start; losing it makes the sealed values unreadable, which is the point
 * of keeping it out of the metadata store. Sealed text is `nsbox1:` + base64url(iv | tag | ciphertext), so
 * it can sit in any JSON document and is recognisable; GCM's tag makes any change to it fail `open`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DomainError } from '../../core/errors.ts';

const PREFIX = 'nsbox1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The key file's name inside the data dir. */
export const SECRET_BOX_KEY_FILE = 'secret-box.key';

/** A sealed value that cannot be opened, or a key file that cannot be used; the message says which. */
export class SecretBoxError extends DomainError {
  constructor(message: string) {
    super('SecretBoxError', 500, message);
  }
}

export interface SecretBox {
  /** Encrypts `text`; every call gives a different result (a fresh IV). */
  seal(text: string): string;
  /** Decrypts what `seal` returned; throws SecretBoxError when it was changed or sealed under another key. */
  open(sealed: string): string;
  /** Whether `value` is text `seal` produced (by its form, not by opening it). */
  isSealed(value: unknown): value is string;
}

export function secretBoxFromKey(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES)
    throw new SecretBoxError(`A secret box key has ${KEY_BYTES} bytes, not ${key.length}.`);
  return {
    seal(text) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed) {
      if (!sealed.startsWith(PREFIX)) throw new SecretBoxError('The value is not a sealed secret.');
      const bytes = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
      if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError('The sealed secret is truncated.');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([
          decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new SecretBoxError(
          "A sealed secret does not match this data dir's key (it was changed, or the key file was replaced); set the secret again.",
        );
      }
    },
    isSealed(value): value is string {
      return typeof value === 'string' && value.startsWith(PREFIX);
    },
  };
}

/**
 * The box of a data dir: reads `<dataDir>/secret-box.key`, or creates it (mode 0600) at the first start.
 * Creation is exclusive, so two processes starting at once cannot write different keys.
 */
/**
 * The secret box of servers that already made one (`nightshift worker`, on another machine): the key file
 * must be there, copied from the servers' keys dir; a new key would open none of their secrets.
 */
export async function readSecretBox(keysDir: string): Promise<SecretBox> {
  const file = join(keysDir, SECRET_BOX_KEY_FILE);
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new SecretBoxError(
      `Cannot read ${file} (${(error as { code?: string }).code ?? String(error)}): copy ${SECRET_BOX_KEY_FILE} from the servers' --keys-dir, which opens the datastores' credentials.`,
    );
  });
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretBoxError(`${file} does not hold a ${KEY_BYTES}-byte key; copy the servers' own.`);
  }
  return secretBoxFromKey(key);
}

export async function openSecretBox(dataDir: string): Promise<SecretBox> {
  const file = join(dataDir, SECRET_BOX_KEY_FILE);
  await mkdir(dirname(file), { recursive: true });
  try {
    await writeFile(file, randomBytes(KEY_BYTES).toString('base64'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
  }
  // The umask cannot widen a new file's mode, but an older or copied file may be readable by others.
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretBoxError(
      `${file} does not hold a ${KEY_BYTES}-byte key; restore it from a backup (sealed secrets need the same key).`,
    );
  }
  return secretBoxFromKey(key);
}
