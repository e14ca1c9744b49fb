/**
 * Which Entra ID identity reaches an Azure storage account for a datastore, through `@azure/identity`. A
 * datastore that carries a service principal (ADLS Gen2's `ServicePrincipal` credentials) uses it
 * (ClientSecretCredential). A datastore without credentials (`credentialsType: None`, identity-based
 * access) uses the server's own identity: the service principal its operator configured (the standard
 * AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET environment, read by config.ts), or else the
 * machine's managed identity (ManagedIdentityCredential; AZURE_CLIENT_ID alone picks a user-assigned one).
 * The choice is a plain value first (`identityPlan`), so it can be checked without reaching Entra ID.
 */
import { ClientSecretCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { ValidationError } from '../core/errors.ts';

/** The server's own identity for storage, as the operator configured it. */
export interface ServerIdentity {
  servicePrincipal?: { tenantId: string; clientId: string; clientSecret: string; authorityHost?: string };
  /** A user-assigned managed identity's client id; the system-assigned one when absent. */
  managedIdentityClientId?: string;
  /**
   * Hosts (`host` or `host:port`) beyond Azure Storage's own domains that may receive the server's token:
   * an emulator or a private endpoint the operator vouches for.
   */
  trustedHosts?: string[];
}

/** Azure Storage's domains in Azure's clouds: where the server's own token may be sent unasked. */
const AZURE_STORAGE_DOMAINS = ['.core.windows.net', '.core.chinacloudapi.cn', '.core.usgovcloudapi.net'];

/**
 * Refuses to send the server's own token anywhere but Azure Storage or a host the operator trusts. A
 * datastore's endpoint is chosen by whoever may write datastores; without this, pointing one at their own
 * https server would hand them a bearer token of the server's identity, good on every storage account
 * that identity may read.
 */
export function checkServerTokenTarget(accountUrl: string, server: ServerIdentity): void {
  const url = new URL(accountUrl);
  const host = url.hostname.toLowerCase();
  const azure = url.port === '' && AZURE_STORAGE_DOMAINS.some((domain) => host.endsWith(domain));
  const trusted = (server.trustedHosts ?? []).some((h) => {
    const wanted = h.trim().toLowerCase();
    return wanted === url.host.toLowerCase() || wanted === host;
  });
  if (!azure && !trusted) {
    throw new ValidationError(
      `Identity-based access sends the server's own token only to Azure Storage (*.core.windows.net and ` +
        `Azure's other clouds) or to hosts the operator lists in NIGHTSHIFT_STORAGE_IDENTITY_HOSTS; ` +
        `'${url.host}' is neither. Give credentials, or ask the operator to trust the host.`,
      'properties.endpoint',
    );
  }
}

/** A service principal with its secret still sealed, as an ADLS Gen2 datastore keeps it. */
export interface DatastorePrincipal {
  tenantId: string;
  clientId: string;
  authorityUrl?: string;
}

export type IdentityPlan =
  | {
      kind: 'ServicePrincipal';
      /** Whose: the datastore's own credentials, or the server's configured principal. */
      source: 'datastore' | 'server';
      tenantId: string;
      clientId: string;
      authorityHost?: string;
    }
  | { kind: 'ManagedIdentity'; clientId?: string };

/** The identity a datastore's requests go out with; `principal` is the datastore's own, if it has one. */
export function identityPlan(
  principal: DatastorePrincipal | undefined,
  server: ServerIdentity,
): IdentityPlan {
  if (principal) {
    return {
      kind: 'ServicePrincipal',
      source: 'datastore',
      tenantId: principal.tenantId,
      clientId: principal.clientId,
      ...(principal.authorityUrl ? { authorityHost: principal.authorityUrl } : {}),
    };
  }
  const sp = server.servicePrincipal;
  if (sp) {
    return {
      kind: 'ServicePrincipal',
      source: 'server',
      tenantId: sp.tenantId,
      clientId: sp.clientId,
      ...(sp.authorityHost ? { authorityHost: sp.authorityHost } : {}),
    };
  }
  return {
    kind: 'ManagedIdentity',
    ...(server.managedIdentityClientId ? { clientId: server.managedIdentityClientId } : {}),
  };
}

/** How a plan reads in an error message (ids only, never a secret). */
export function describePlan(plan: IdentityPlan): string {
  if (plan.kind === 'ManagedIdentity') {
    return plan.clientId
      ? `the server's managed identity (client id ${plan.clientId})`
      : "the server's managed identity";
  }
  const whose = plan.source === 'datastore' ? "the datastore's" : "the server's";
  return `${whose} service principal ${plan.clientId} (tenant ${plan.tenantId})`;
}

/**
 * The credential of a plan. `secret` is the datastore principal's client secret (opened from the box
 * only now, in memory); the server's principal carries its own.
 */
export function credentialOf(plan: IdentityPlan, server: ServerIdentity, secret?: string): TokenCredential {
  if (plan.kind === 'ManagedIdentity') {
    return plan.clientId ? new ManagedIdentityCredential(plan.clientId) : new ManagedIdentityCredential();
  }
  const clientSecret = plan.source === 'datastore' ? secret : server.servicePrincipal?.clientSecret;
  // A given authority host is trusted as given: MSAL's instance discovery would ask Microsoft's public
  // cloud about it, which a sovereign cloud or a private authority cannot answer.
  return new ClientSecretCredential(plan.tenantId, plan.clientId, clientSecret ?? '', {
    ...(plan.authorityHost ? { authorityHost: plan.authorityHost, disableInstanceDiscovery: true } : {}),
  });
}
