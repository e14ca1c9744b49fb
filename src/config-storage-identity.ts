/**
 * The server's own Entra ID identity for datastores with identity-based access, read from the environment
 * that @azure/identity's own credentials read (see Config.storageIdentity for what each variable means).
 */
import { ValidationError } from './core/errors.ts';

export interface StorageIdentityConfig {
  servicePrincipal?: { tenantId: string; clientId: string; clientSecret: string; authorityHost?: string };
  managedIdentityClientId?: string;
  trustedHosts?: string[];
}

/** `Config.storageIdentity` from the environment @azure/identity's own credentials read. */
export function readStorageIdentity(
  env: Readonly<Record<string, string | undefined>>,
): StorageIdentityConfig {
  const tenantId = env.AZURE_TENANT_ID?.trim();
  const clientId = env.AZURE_CLIENT_ID?.trim();
  const clientSecret = env.AZURE_CLIENT_SECRET;
  const authorityHost = env.AZURE_AUTHORITY_HOST?.trim();
  const hosts = (env.NIGHTSHIFT_STORAGE_IDENTITY_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  const trusted = hosts.length > 0 ? { trustedHosts: hosts } : {};
  if (clientSecret) {
    if (!tenantId || !clientId) {
      throw new ValidationError(
        `AZURE_CLIENT_SECRET is set without ${tenantId ? 'AZURE_CLIENT_ID' : 'AZURE_TENANT_ID'}: a service ` +
          'principal for storage needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.',
        'AZURE_CLIENT_SECRET',
      );
    }
    return {
      servicePrincipal: { tenantId, clientId, clientSecret, ...(authorityHost ? { authorityHost } : {}) },
      ...trusted,
    };
  }
  return { ...(clientId ? { managedIdentityClientId: clientId } : {}), ...trusted };
}
