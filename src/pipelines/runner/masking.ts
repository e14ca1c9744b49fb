/**
 * Keeps secrets out of run records (spec §1.3, §2.6, §7.2): SecureString parameter values are replaced
 * wherever they appear as text, and `secureInput`/`secureOutput` hide a whole input or output. Only the
 * records are masked; expressions still see real values.
 */

export const MASKED = '***';

/** Shorter secrets are only masked as whole values, so a one-letter secret cannot garble every record. */
const MIN_SUBSTRING_SECRET = 4;

export class SecretMasker {
  readonly #secrets: string[];

  constructor(secrets: readonly string[]) {
    // Longest first, so a secret containing another is replaced whole.
    this.#secrets = [...new Set(secrets.filter((s) => s !== ''))].sort((a, b) => b.length - a.length);
  }

  get isEmpty(): boolean {
    return this.#secrets.length === 0;
  }

  /** A copy of `value` with every secret text replaced by the mask. */
  mask(value: unknown): unknown {
    if (this.#secrets.length === 0) return value;
    if (typeof value === 'string') return this.#maskText(value);
    if (Array.isArray(value)) return value.map((v) => this.mask(v));
    if (value !== null && typeof value === 'object') {
      const copy: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) copy[key] = this.mask(v);
      return copy;
    }
    return value;
  }

  #maskText(text: string): string {
    let result = text;
    for (const secret of this.#secrets) {
      if (result === secret) return MASKED;
      if (secret.length >= MIN_SUBSTRING_SECRET) result = result.split(secret).join(MASKED);
    }
    return result;
  }
}
