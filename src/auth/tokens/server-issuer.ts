/**
 * This server's own issuer, bound to the server and never to a request: the URL the operator configured
 * (`--issuer-url`), else the URL the server listened on when it first needed its issuer, stored in the
 * data dir (`issuer.json`) so that later starts, on another port or address, issue and accept the same
 * `iss`. Taking it from `Host` or forwarding headers would let a caller choose the issuer of its own token.
 * Tokens carry `{url}/{tenant}/` (v1) or `{url}/{tenant}/v2.0`, as Entra's do under its authority host.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError, ValidationError } from '../../core/errors.ts';

export const ISSUER_FILE = 'issuer.json';

export interface ServerIssuer {
  /** The issuer's base URL, without a trailing slash, e.g. http://127.0.0.1:8080. */
  readonly url: () => string;
}

export interface ServerIssuerOptions {
  /** `config.auth.issuerUrl`, already normalized; wins over the stored one. */
  configured?: string | undefined;
  dataDir: string;
  /** The URLs the server listens at, the first of which is fixed when nothing else is. */
  listening: () => readonly string[];
}

/** An issuer URL as the operator gives it: http(s), no query, fragment or credentials, no trailing slash. */
export function normalizeIssuerUrl(text: string, field: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const plain = url && /^https?:$/.test(url.protocol) && !url.search && !url.hash && !url.username;
  if (!url || !plain || url.password) {
    throw new ValidationError(
      `${field} '${text}' is not an http(s) URL without query, fragment or credentials; give the URL ` +
        'clients reach this server at, e.g. https://nightshift.example.com.',
      field,
    );
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function readStored(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { issuerUrl?: unknown };
    if (typeof stored.issuerUrl !== 'string') throw new Error('it has no issuerUrl string');
    return normalizeIssuerUrl(stored.issuerUrl, 'issuerUrl');
  } catch (error) {
    throw new StartupError(
      `The issuer file ${file} is damaged (${(error as Error).message}); fix it, or delete it to fix the ` +
        'issuer again at this start (tokens issued before are then refused), or pass --issuer-url.',
    );
  }
}

function store(file: string, issuerUrl: string): void {
  const body = { issuerUrl, fixedAt: new Date().toISOString() };
  // Written whole under another name first, so a crash never leaves half a file to refuse at the next start.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(body, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Reads the stored issuer now (a damaged file stops the start); fixes one at first use if there is none. */
export function openServerIssuer(options: ServerIssuerOptions): ServerIssuer {
  const file = join(options.dataDir, ISSUER_FILE);
  let fixed = options.configured ?? readStored(file);
  return {
    url: () => {
      if (fixed !== undefined) return fixed;
      const first = options.listening()[0];
      if (first === undefined) {
        throw new StartupError(
          'The issuer is fixed from the URL the server listens at, and it is not listening yet; ' +
            'start it first, or pass --issuer-url.',
        );
      }
      fixed = normalizeIssuerUrl(first, 'issuerUrl');
      store(file, fixed);
      return fixed;
    },
  };
}
