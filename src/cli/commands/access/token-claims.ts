/**
 * What the CLI reads out of an access token it holds: the payload claims, decoded without verifying the
 * signature. That is enough to say who the caller is and when the token expires; the server verifies
 * every token it is sent, so nothing here is trusted for access decisions. Also renders the token the way
 * `az account get-access-token` prints it, since scripts read `accessToken`, `expires_on` and `expiresOn`.
 */
import { CliError } from '../../client.ts';

/** The claims Nightshift (and Entra) tokens carry that the CLI shows. */
export interface TokenClaims {
  aud?: string;
  iss?: string;
  tid?: string;
  oid?: string;
  /** The client id of an app, in v1 tokens. */
  appid?: string;
  /** The client id of an app, in v2 tokens. */
  azp?: string;
  name?: string;
  idtyp?: string;
  exp?: number;
}

/** az's `get-access-token` shape. */
export interface AccessTokenView {
  accessToken: string;
  /** Local time, `YYYY-MM-DD HH:MM:SS.ffffff`, as az prints it. */
  expiresOn: string;
  /** Epoch seconds. */
  expires_on: number;
  tokenType: 'Bearer';
  tenant: string;
}

const STRING_CLAIMS = ['aud', 'iss', 'tid', 'oid', 'appid', 'azp', 'name', 'idtyp'] as const;

function notAToken(why: string): CliError {
  return new CliError(`The access token is not a JWT (${why}); it cannot be read.`);
}

/** The payload of a compact JWS; throws a CliError when the text is not one. */
export function decodeTokenClaims(token: string): TokenClaims {
  const parts = token.split('.');
  const payload = parts[1];
  if (parts.length !== 3 || payload === undefined) throw notAToken('expected three dot-separated parts');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw notAToken('the payload is not base64url JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw notAToken('the payload is not a JSON object');
  }
  const raw = parsed as Record<string, unknown>;
  // Copied claim by claim, so a claim of an unexpected type is left out rather than mistyped.
  const claims: TokenClaims = {};
  for (const key of STRING_CLAIMS) {
    const value = raw[key];
    if (typeof value === 'string') claims[key] = value;
  }
  if (typeof raw.exp === 'number') claims.exp = raw.exp;
  return claims;
}

/** The application (client) id a token was issued to: `appid` in v1 tokens, `azp` in v2. */
export function clientIdOf(claims: TokenClaims): string | undefined {
  return claims.appid ?? claims.azp;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Epoch seconds as az prints `expiresOn`: local time with microseconds, no zone. */
export function localTimeText(epochSeconds: number): string {
  const at = new Date(epochSeconds * 1000);
  const date = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  return `${date} ${time}.${pad(at.getMilliseconds() * 1000, 6)}`;
}

/** The printed form of a token; `tenant` is used when the token does not name one. */
export function accessTokenView(accessToken: string, tenant: string): AccessTokenView {
  const claims = decodeTokenClaims(accessToken);
  if (claims.exp === undefined) throw notAToken("it has no 'exp' claim");
  return {
    accessToken,
    expiresOn: localTimeText(claims.exp),
    expires_on: claims.exp,
    tokenType: 'Bearer',
    tenant: claims.tid ?? tenant,
  };
}
