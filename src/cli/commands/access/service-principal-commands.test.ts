import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../../core/errors.ts';
import { CliError } from '../../client.ts';
import { defaultPrincipalName, plannedRole } from './service-principal-commands.ts';

void describe('plannedRole', () => {
  void it('resolves a role by name in any case or by id, to its name', () => {
    assert.equal(plannedRole({ role: 'batch endpoint invoker' }), 'Batch Endpoint Invoker');
    assert.equal(plannedRole({ role: 'acdd72a7-3385-48ef-bd42-f606fba81ae7' }), 'Reader');
    assert.equal(plannedRole({}), undefined);
  });

  void it('refuses an unknown role before anything is created, listing the known ones', () => {
    assert.throws(
      () => plannedRole({ role: 'Superuser' }),
      (error: unknown) => error instanceof ValidationError && /Known roles: 'Owner'/.test(error.message),
    );
  });

  void it('refuses --scopes without --role as a usage error', () => {
    assert.throws(
      () => plannedRole({ scopes: ['/subscriptions/s1'] }),
      (error: unknown) => error instanceof CliError && error.exitCode === 2,
    );
  });
});

void describe('defaultPrincipalName', () => {
  void it("follows az's azure-cli-YYYY-MM-DD-HH-MM-SS pattern with our prefix", () => {
    assert.equal(
      defaultPrincipalName(new Date('2026-04-05T06:07:08.900Z')),
      'nightshift-sp-2026-04-05-06-07-08',
    );
  });
});
