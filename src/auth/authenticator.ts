/**
 * Turns the Authorization header of a request into a Principal, or refuses it with an AuthenticationError
 * (401) that says which check failed. Tokens are ours (signed by the key store, carrying this server's
 * fixed issuer, whatever Host the request names) or, when configured, an external OIDC issuer's. A
 * token of ours is only as good as its principal: once a service principal or managed identity is
 * deleted, its tokens stop working at once instead of living out their hour.
 */
import { decodeJwt } from 'jose';
import { AuthenticationError } from './errors.ts';
import type { ExternalIssuer } from './external-issuer.ts';
import type { IdentityService } from './identity-service.ts';
import type { Principal } from './principal.ts';
import { issuerFor } from './tokens/discovery.ts';
import type { KeyStore } from './tokens/key-store.ts';
import type { VerifiedClaims } from './tokens/verifier.ts';
import { createVerifiedTokens } from './tokens/verified-tokens.ts';

export interface AuthenticatorOptions {
  keys: KeyStore;
  identities: IdentityService;
  tenantId: string;
  /** This server's issuer base URL (see ServerIssuer): our tokens carry no other. */
  issuerUrl: () => string;
  external?: readonly ExternalIssuer[];
  now?: () => number;
}

export interface AuthenticationRequest {
  /** The audience this route takes: https://ml.azure.com (data plane) or https://management.azure.com. */
  audience: string;
}

export interface Authenticator {
  authenticate(authorization: string | undefined, request: AuthenticationRequest): Promise<Principal>;
}

/** The token's `iss`, read without trusting it, only to choose how to verify. */
function unverifiedIssuer(token: string): unknown {
  try {
    return decodeJwt(token).iss;
  } catch {
    return undefined;
  }
}

function bearer(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw new AuthenticationError(
      'MissingToken',
      "This request needs a bearer token: send 'Authorization: Bearer <token>' with a token from this " +
        "server's token endpoint (or `nightshift account get-access-token`).",
    );
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) {
    throw new AuthenticationError(
      'InvalidToken',
      "The Authorization header is not of the form 'Bearer <token>'; other schemes are not accepted.",
    );
  }
  return match[1];
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * The principal of an external token. Its names are the issuer's to choose, so the actor (what
 * `systemData.createdBy` and the audit log record) names the issuer too: an external app whose `appid`
 * equals a local app id is not mistaken for it.
 */
function externalPrincipal(claims: VerifiedClaims, issuer: string): Principal {
  const objectId = text(claims.oid) ?? text(claims.sub) ?? '';
  const clientId = text(claims.appid) ?? text(claims.azp) ?? objectId;
  const userName = text(claims.preferred_username) ?? text(claims.upn) ?? text(claims.unique_name);
  const isApp = claims.idtyp === 'app' || (userName === undefined && claims.idtyp !== 'user');
  const tokenId = text(claims.uti) ?? text(claims.jti);
  return {
    objectId,
    clientId,
    displayName: text(claims.name) ?? userName ?? clientId,
    type: isApp ? 'Application' : 'User',
    actor: `${isApp ? clientId : (userName ?? objectId)} (${issuer})`,
    ...(tokenId === undefined ? {} : { tokenId }),
  };
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const external = options.external ?? [];
  const now = options.now ?? Date.now;
  const verified = createVerifiedTokens({ now });

  /** The principal behind one of our tokens, provided it still exists and is the same object. */
  async function ownPrincipal(claims: VerifiedClaims): Promise<Principal> {
    const clientId = text(claims.appid) ?? text(claims.azp);
    const objectId = text(claims.oid);
    const tokenId = text(claims.uti);
    const extra = tokenId === undefined ? {} : { tokenId };
    if (clientId !== undefined && objectId !== undefined) {
      const { servicePrincipal: sp, managedIdentity: mi } = await options.identities.findClient(clientId);
      if (sp?.objectId === objectId) {
        const user = sp.localUser;
        return user === undefined
          ? {
              objectId,
              clientId,
              displayName: sp.displayName,
              type: 'Application',
              actor: sp.appId,
              ...extra,
            }
          : { objectId, clientId, displayName: sp.displayName, type: 'User', actor: user, ...extra };
      }
      if (mi?.objectId === objectId) {
        return {
          objectId,
          clientId,
          displayName: mi.name,
          type: 'ManagedIdentity',
          actor: mi.clientId,
          ...extra,
        };
      }
    }
    throw new AuthenticationError(
      'PrincipalNotFound',
      `The principal of this token (client '${clientId ?? '?'}', object '${objectId ?? '?'}') no longer exists; ` +
        'it was deleted after the token was issued. Use a principal that exists.',
    );
  }

  /**
   * Role assignments name object ids, so an external token carrying the object id of one of our
   * principals would get its roles: refused, whoever the issuer is.
   */
  async function refuseLocalObjectId(objectId: string): Promise<void> {
    const wanted = objectId.toLowerCase();
    const local = [
      ...(await options.identities.listServicePrincipals()),
      ...(await options.identities.listManagedIdentities()),
    ];
    if (wanted === '' || local.some((p) => p.objectId.toLowerCase() === wanted)) {
      throw new AuthenticationError(
        'PrincipalConflict',
        `This token of an external issuer names object id '${objectId}', ${wanted === '' ? 'which is empty' : "which is a principal of this server's own directory"}; ` +
          'an external principal cannot act as a local one. Use a token of this server for that principal.',
      );
    }
  }

  return {
    async authenticate(authorization, request) {
      const token = bearer(authorization);
      const iss = unverifiedIssuer(token);
      const issuer = external.find((e) => e.config.issuer === iss);
      if (issuer) {
        const claims = await verified.verify(token, {
          keys: issuer.keys,
          audiences: [issuer.config.audience],
          issuers: [issuer.config.issuer],
          now,
        });
        const principal = externalPrincipal(claims, issuer.config.issuer);
        await refuseLocalObjectId(principal.objectId);
        return principal;
      }
      const base = options.issuerUrl();
      const claims = await verified.verify(token, {
        keys: (kid) => options.keys.publicKey(kid),
        audiences: [request.audience],
        issuers: [issuerFor(base, options.tenantId, '1.0'), issuerFor(base, options.tenantId, '2.0')],
        now,
      });
      return ownPrincipal(claims);
    },
  };
}
