import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../../client.ts';
import { requestedResource } from './account-commands.ts';

const usageError = (pattern: RegExp) => (error: unknown) =>
  error instanceof CliError && error.exitCode === 2 && pattern.test(error.message);

void describe('requestedResource', () => {
  void it('defaults to the management API and takes --resource as it is', () => {
    assert.equal(requestedResource({}), 'https://management.azure.com');
    assert.equal(requestedResource({ resource: 'https://ml.azure.com' }), 'https://ml.azure.com');
  });

  void it('turns a /.default scope into its resource', () => {
    assert.equal(requestedResource({ scope: ['https://ml.azure.com/.default'] }), 'https://ml.azure.com');
  });

  void it('refuses both flags, several scopes and a scope without /.default', () => {
    assert.throws(
      () => requestedResource({ resource: 'https://ml.azure.com', scope: ['https://ml.azure.com/.default'] }),
      usageError(/cannot be used together/),
    );
    assert.throws(
      () =>
        requestedResource({ scope: ['https://ml.azure.com/.default', 'https://storage.azure.com/.default'] }),
      usageError(/takes one scope/),
    );
    assert.throws(
      () => requestedResource({ scope: ['https://ml.azure.com/user_impersonation'] }),
      usageError(/ending in '\/\.default'/),
    );
  });
});
