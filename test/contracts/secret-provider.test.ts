/**
 * The SecretProvider contract suite (src/pipelines/web/contract.ts): how a WebActivity turns Data
 * Factory's SecretBase values (a plain string, a SecureString, an AzureKeyVaultSecret reference) into the
 * text it sends. Every provider takes the first two as they are and refuses anything else with a
 * SecretResolutionError naming the property; Key Vault references are resolved by a provider that has a
 * secret store and refused, naming the secret and its linked service, by one that has none. A provider
 * over a real store is one more entry, with `vault` to plant secrets in it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SecretProvider } from '../../src/pipelines/web/contract.ts';
import {
  createSecretProvider,
  SecretResolutionError,
  type KeyVaultSecretReference,
} from '../../src/pipelines/web/secrets.ts';
import { describeContract, type Implementation } from './implementations.ts';

interface Harness {
  secrets: SecretProvider;
  /** Plants a secret in the provider's Key Vault store; absent when it has none. */
  vault?: (reference: KeyVaultSecretReference, value: string) => void;
  close(): void;
}

/** A Key Vault secret store in memory: the latest version unless the reference names one. */
function memoryVault() {
  const secrets = new Map<string, string>();
  const key = (r: KeyVaultSecretReference) => [r.store, r.secretName, r.secretVersion ?? ''].join('/');
  return {
    put(reference: KeyVaultSecretReference, value: string) {
      secrets.set(key(reference), value);
      secrets.set(key({ ...reference, secretVersion: '' }), value);
    },
    getSecret(reference: KeyVaultSecretReference) {
      const value = secrets.get(key(reference));
      return value === undefined
        ? Promise.reject(new SecretResolutionError(`Secret '${reference.secretName}' was not found.`))
        : Promise.resolve(value);
    },
  };
}

const implementations: Implementation<Harness>[] = [
  {
    name: 'default, without a Key Vault store',
    open: () => ({ secrets: createSecretProvider(), close() {} }),
  },
  {
    name: 'default, over a Key Vault store',
    open() {
      const vault = memoryVault();
      return {
        secrets: createSecretProvider({ keyVault: vault }),
        vault: (reference, value) => {
          vault.put(reference, value);
        },
        close() {},
      };
    },
  },
];

const keyVaultRef = (secretName: string, secretVersion?: string) => ({
  type: 'AzureKeyVaultSecret',
  store: { referenceName: 'AzureKeyVault1', type: 'LinkedServiceReference' },
  secretName,
  ...(secretVersion === undefined ? {} : { secretVersion }),
});

/** A SecretResolutionError whose message names `text`. */
const refusedNaming = (text: string) => (error: unknown) => {
  assert.ok(error instanceof SecretResolutionError, String(error));
  assert.ok(error.message.includes(text), `'${error.message}' does not name ${text}`);
  return true;
};

await describeContract('SecretProvider', implementations, (context) => {
  const secrets = () => context.current().secrets;

  test('a plain string and a SecureString give their text', async () => {
    assert.equal(await secrets().resolve('Bearer abc', 'headers.Authorization'), 'Bearer abc');
    assert.equal(await secrets().resolve('', 'body'), '');
    const secure = { type: 'SecureString', value: 's3cret' };
    assert.equal(await secrets().resolve(secure, 'authentication.password'), 's3cret');
  });

  test('anything else is refused naming the property', async () => {
    const shapes: unknown[] = [42, null, undefined, ['a'], { value: 'x' }, { type: 'SecureString' }];
    for (const value of shapes) {
      await assert.rejects(
        secrets().resolve(value, 'authentication.pfx'),
        refusedNaming('authentication.pfx'),
      );
    }
    const incomplete = { type: 'AzureKeyVaultSecret', secretName: 'no-store' };
    await assert.rejects(secrets().resolve(incomplete, 'authentication.password'), refusedNaming('password'));
  });

  test('a Key Vault reference gives the store’s secret, the version named or the latest', async (t) => {
    const vault = context.current().vault;
    if (!vault) {
      t.skip('for providers with a Key Vault store');
      return;
    }
    vault({ store: 'AzureKeyVault1', secretName: 'sp-secret', secretVersion: 'v1' }, 'first');
    vault({ store: 'AzureKeyVault1', secretName: 'sp-secret', secretVersion: 'v2' }, 'second');
    assert.equal(await secrets().resolve(keyVaultRef('sp-secret', 'v1'), 'p'), 'first');
    assert.equal(await secrets().resolve(keyVaultRef('sp-secret'), 'p'), 'second');
  });

  test('without a store a Key Vault reference is refused naming the secret and its linked service', async (t) => {
    if (context.current().vault) {
      t.skip('for providers without a Key Vault store');
      return;
    }
    const refusal = secrets().resolve(keyVaultRef('sp-secret'), 'authentication.password');
    await assert.rejects(
      refusal,
      (error) => refusedNaming('sp-secret')(error) && refusedNaming('AzureKeyVault1')(error),
    );
  });
});
