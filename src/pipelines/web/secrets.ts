/**
 * The default SecretProvider (spec §1.7 item 4). SecureString values carry the secret inline; Key Vault
 * references need a store, which Nightshift does not run, so without one they are refused with a message
 * that says what to do instead. A host that has a store passes it in as a KeyVaultSecretStore.
 */
import type { SecretProvider, TokenRequestOptions } from './contract.ts';

export class SecretResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretResolutionError';
  }
}

export interface KeyVaultSecretReference {
  /** The Key Vault linked service's name (`store.referenceName`). */
  store: string;
  secretName: string;
  secretVersion?: string;
}

export interface KeyVaultSecretStore {
  getSecret(reference: KeyVaultSecretReference, options?: TokenRequestOptions): Promise<string>;
}

export interface SecretProviderOptions {
  keyVault?: KeyVaultSecretStore;
}

/** Whether a value is one of Data Factory's SecretBase shapes. */
export function isSecretReference(
  value: unknown,
): value is { type: 'SecureString' | 'AzureKeyVaultSecret'; [key: string]: unknown } {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'SecureString' || type === 'AzureKeyVaultSecret';
}

export function createSecretProvider(options: SecretProviderOptions = {}): SecretProvider {
  return {
    async resolve(value, property, requestOptions) {
      if (typeof value === 'string') return value;
      if (!isSecretReference(value)) {
        throw new SecretResolutionError(
          `The property '${property}' must be a string, a SecureString or an AzureKeyVaultSecret.`,
        );
      }
      if (value.type === 'SecureString') {
        if (typeof value.value !== 'string') {
          throw new SecretResolutionError(
            `The SecureString in property '${property}' has no string 'value'.`,
          );
        }
        return value.value;
      }
      const reference = keyVaultReference(value, property);
      if (options.keyVault === undefined) {
        throw new SecretResolutionError(
          `The property '${property}' refers to secret '${reference.secretName}' of Azure Key Vault linked service '${reference.store}', but no Key Vault secret store is configured. Pass the secret as a SecureString (for example from a securestring pipeline parameter) instead.`,
        );
      }
      return options.keyVault.getSecret(reference, requestOptions);
    },
  };
}

function keyVaultReference(value: Record<string, unknown>, property: string): KeyVaultSecretReference {
  const store = value.store;
  const storeName =
    typeof store === 'object' && store !== null
      ? (store as { referenceName?: unknown }).referenceName
      : undefined;
  if (typeof storeName !== 'string' || typeof value.secretName !== 'string') {
    throw new SecretResolutionError(
      `The AzureKeyVaultSecret in property '${property}' needs 'store.referenceName' and 'secretName' strings.`,
    );
  }
  const reference: KeyVaultSecretReference = { store: storeName, secretName: value.secretName };
  if (typeof value.secretVersion === 'string' && value.secretVersion !== '') {
    reference.secretVersion = value.secretVersion;
  }
  return reference;
}
