/**
 * Issues Entra-shaped access tokens: compact RS256 JWS, signed by jose, with the claims Azure ML clients
 * and our own authorization layer read (`aud`, `iss`, `sub`, `oid`, `tid`, `appid`/`azp`, `idtyp`,
 * `roles`, ...). The answer mirrors Entra's token response (expiresOn in epoch seconds as a string, like
 * the v1 endpoint), so the routes only rename fields. Who may get a token is decided before this is called.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { ValidationError } from '../../core/errors.ts';
import type { TokenVersion } from './discovery.ts';

export type IdentityType = 'app' | 'user' | 'managedIdentity';

export interface IssueTokenRequest {
  /** `sub`; for app and managed identity tokens Entra sets it to the object id. */
  subject: string;
  /** `oid`: the principal's object id, what role assignments name. */
  objectId: string;
  /** The client application id (`appid` in v1 tokens, `azp` in v2). */
  appId?: string;
  tenantId: string;
  /** `aud` and the `resource` of the answer, e.g. https://ml.azure.com. */
  audience: string;
  /** `iss`, e.g. from `issuerFor(baseUrl, tenant, version)`. */
  issuer: string;
  name?: string;
  idType: IdentityType;
  lifetimeSeconds: number;
  roles?: string[];
  /** `ver`; defaults to '2.0' when the issuer ends with /v2.0, else '1.0'. */
  version?: TokenVersion;
}

export interface TokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  sub: string;
  oid: string;
  tid: string;
  ver: TokenVersion;
  idtyp: 'app' | 'user';
  /** Unique token id (Entra's `uti`): lets the audit log name a token without recording it. */
  uti: string;
  appid?: string;
  azp?: string;
  name?: string;
  roles?: string[];
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  /** Epoch seconds as a decimal string, as Entra's v1 endpoint answers. */
  expiresOn: string;
  tokenType: 'Bearer';
  resource: string;
  /** What the token says, for the audit log; never log `accessToken` itself. */
  claims: TokenClaims;
}

export interface TokenSigner {
  key: { kid: string; privateKey: KeyObject };
  /** Epoch milliseconds; defaults to Date.now. */
  now?: () => number;
}

/** Entra caps access tokens at a day; a longer request is a configuration mistake, not a wish to honour. */
const MAX_LIFETIME_SECONDS = 24 * 60 * 60;

function required(value: string, field: string): void {
  if (value.length === 0)
    throw new ValidationError(`${field} must not be empty when issuing a token.`, field);
}

export async function issueToken(request: IssueTokenRequest, signer: TokenSigner): Promise<IssuedToken> {
  required(request.subject, 'subject');
  required(request.objectId, 'objectId');
  required(request.tenantId, 'tenantId');
  required(request.audience, 'audience');
  required(request.issuer, 'issuer');
  const lifetime = request.lifetimeSeconds;
  if (!Number.isInteger(lifetime) || lifetime <= 0 || lifetime > MAX_LIFETIME_SECONDS) {
    throw new ValidationError(
      `lifetimeSeconds must be a whole number from 1 to ${MAX_LIFETIME_SECONDS}, got ${lifetime}.`,
      'lifetimeSeconds',
    );
  }
  if (signer.key.privateKey.asymmetricKeyType !== 'rsa') {
    throw new ValidationError('Tokens are signed with RS256, which needs an RSA private key.', 'key');
  }

  const version: TokenVersion = request.version ?? (request.issuer.endsWith('/v2.0') ? '2.0' : '1.0');
  const iat = Math.floor((signer.now ?? Date.now)() / 1000);
  const exp = iat + lifetime;
  const claims: TokenClaims = {
    aud: request.audience,
    iss: request.issuer,
    iat,
    nbf: iat,
    exp,
    sub: request.subject,
    oid: request.objectId,
    tid: request.tenantId,
    ver: version,
    // Entra marks managed identity tokens 'app' too (they are service principals); tell them apart by oid.
    idtyp: request.idType === 'user' ? 'user' : 'app',
    uti: randomBytes(16).toString('base64url'),
  };
  if (request.appId !== undefined) {
    if (version === '2.0') claims.azp = request.appId;
    else claims.appid = request.appId;
  }
  if (request.name !== undefined) claims.name = request.name;
  if (request.roles && request.roles.length > 0) claims.roles = [...request.roles];

  const accessToken = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: signer.key.kid })
    .sign(signer.key.privateKey);
  return {
    accessToken,
    expiresIn: lifetime,
    expiresOn: String(exp),
    tokenType: 'Bearer',
    resource: request.audience,
    claims,
  };
}
