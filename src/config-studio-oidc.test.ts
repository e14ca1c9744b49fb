import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.ts';
import { readStudioOidcEnv, readStudioOidcFile } from './config-studio-oidc.ts';

const base = { cwd: '/work', flags: { dataDir: '/var/ns' } };
const ISSUER = 'https://login.example.com/tenant/v2.0';
const oidc = { NIGHTSHIFT_OIDC_ISSUER: ISSUER, NIGHTSHIFT_OIDC_AUDIENCE: 'api://nightshift' };
const fieldIs = (field: string, message: RegExp) => (error: Error & { field?: string }) =>
  error.field === field && message.test(error.message);

test('studio OIDC from the environment: client id, scopes split on spaces or commas, a name', () => {
  const env = {
    ...oidc,
    NIGHTSHIFT_OIDC_STUDIO_CLIENT_ID: 'studio-app',
    NIGHTSHIFT_OIDC_STUDIO_SCOPES: 'profile, api://nightshift/.default',
    NIGHTSHIFT_OIDC_DISPLAY_NAME: 'Contoso',
  };
  assert.deepEqual(loadConfig({ ...base, env }).auth.externalIssuers[0]?.studio, {
    clientId: 'studio-app',
    scopes: ['openid', 'profile', 'api://nightshift/.default'],
    displayName: 'Contoso',
  });
});

test('studio OIDC defaults: openid only, the issuer host as the name; absent without a client id', () => {
  assert.deepEqual(readStudioOidcEnv({ NIGHTSHIFT_OIDC_STUDIO_CLIENT_ID: 'c' }, ISSUER), {
    clientId: 'c',
    scopes: ['openid'],
    displayName: 'login.example.com',
  });
  assert.equal(readStudioOidcEnv({}, ISSUER), undefined);
  assert.equal(loadConfig({ ...base, env: oidc }).auth.externalIssuers[0]?.studio, undefined);
});

test('studio OIDC: settings without an issuer, or scopes without a client id, are refused by name', () => {
  assert.throws(
    () => loadConfig({ ...base, env: { NIGHTSHIFT_OIDC_STUDIO_CLIENT_ID: 'c' } }),
    fieldIs('NIGHTSHIFT_OIDC_STUDIO_CLIENT_ID', /NIGHTSHIFT_OIDC_ISSUER is not/),
  );
  assert.throws(
    () => readStudioOidcEnv({ NIGHTSHIFT_OIDC_STUDIO_SCOPES: 'openid' }, ISSUER),
    fieldIs('NIGHTSHIFT_OIDC_STUDIO_CLIENT_ID', /client id of the browser app/),
  );
  assert.throws(
    () => readStudioOidcEnv({ NIGHTSHIFT_OIDC_STUDIO_CLIENT_ID: 'has space' }, ISSUER),
    fieldIs('NIGHTSHIFT_OIDC_STUDIO_CLIENT_ID', /no spaces/),
  );
  assert.throws(
    () =>
      readStudioOidcEnv(
        { NIGHTSHIFT_OIDC_STUDIO_CLIENT_ID: 'c', NIGHTSHIFT_OIDC_DISPLAY_NAME: 'x'.repeat(81) },
        ISSUER,
      ),
    fieldIs('NIGHTSHIFT_OIDC_DISPLAY_NAME', /at most 80/),
  );
});

test('studio OIDC from the config file: a studio block per issuer, bad values named by path', () => {
  assert.deepEqual(readStudioOidcFile({ clientId: 'c', scopes: ['openid', 'email'] }, ISSUER, 'f'), {
    clientId: 'c',
    scopes: ['openid', 'email'],
    displayName: 'login.example.com',
  });
  assert.equal(readStudioOidcFile(undefined, ISSUER, 'f'), undefined);
  assert.throws(() => readStudioOidcFile('c', ISSUER, 'f'), fieldIs('f', /must be an object/));
  assert.throws(
    () => readStudioOidcFile({ clientId: 'c', scopes: ['openid', 'a"b'] }, ISSUER, 'f'),
    fieldIs('f.scopes', /'a"b'/),
  );
  assert.throws(
    () => readStudioOidcFile({ clientId: 'c', scopes: 7 }, ISSUER, 'f'),
    fieldIs('f.scopes', /scope names/),
  );
  const dir = mkdtempSync(join(tmpdir(), 'ns-config-'));
  try {
    const configFile = join(dir, 'config.json');
    const issuers = [{ issuer: ISSUER, audience: 'a', studio: { clientId: 'web', displayName: 'Corp' } }];
    writeFileSync(configFile, JSON.stringify({ auth: { externalIssuers: issuers } }));
    const config = loadConfig({ ...base, flags: { ...base.flags, configFile } });
    assert.deepEqual(config.auth.externalIssuers[0]?.studio, {
      clientId: 'web',
      scopes: ['openid'],
      displayName: 'Corp',
    });
    writeFileSync(configFile, JSON.stringify({ auth: { externalIssuers: [{ ...issuers[0], studio: {} }] } }));
    assert.throws(
      () => loadConfig({ ...base, flags: { ...base.flags, configFile } }),
      fieldIs('auth.externalIssuers[0].studio.clientId', /client id/),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
