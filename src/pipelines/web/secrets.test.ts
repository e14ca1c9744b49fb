/** The default SecretProvider over the SecretBase shapes of spec §1.7. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSecretProvider, SecretResolutionError } from './secrets.ts';

test('plain strings and SecureStrings resolve to their value', async () => {
  const secrets = createSecretProvider();
  assert.equal(await secrets.resolve('plain', 'password'), 'plain');
  assert.equal(await secrets.resolve({ type: 'SecureString', value: 'v' }, 'password'), 'v');
});

test('other shapes are refused with the property name', async () => {
  const secrets = createSecretProvider();
  await assert.rejects(
    secrets.resolve(42, 'pfx'),
    (error) => error instanceof SecretResolutionError && /'pfx'/.test(error.message),
  );
  await assert.rejects(secrets.resolve({ type: 'SecureString' }, 'password'), SecretResolutionError);
  await assert.rejects(
    secrets.resolve({ type: 'AzureKeyVaultSecret', secretName: 's' }, 'password'),
    /needs 'store.referenceName' and 'secretName'/,
  );
});

test('Key Vault references go to the configured store with name and version', async () => {
  const seen: unknown[] = [];
  const secrets = createSecretProvider({
    keyVault: {
      getSecret: (reference) => {
        seen.push(reference);
        return Promise.resolve('from-vault');
      },
    },
  });
  const value = {
    type: 'AzureKeyVaultSecret',
    store: { referenceName: 'KV1' },
    secretName: 'a',
    secretVersion: '',
  };
  assert.equal(await secrets.resolve(value, 'password'), 'from-vault');
  assert.deepEqual(seen, [{ store: 'KV1', secretName: 'a' }]);
});
