/**
 * WebActivity authentication end to end (spec §2.7.1 table, §5.3–5.5): one local server plays Nightshift's
 * token service (IMDS and `/{tenant}/oauth2/token`) and the scored endpoint, so the tests see both the
 * token requests HttpTokenProvider makes and the Authorization header the activity then sends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ActivityFailure } from '../runner/activity-failure.ts';
import { HttpTokenProvider } from './http-token-provider.ts';
import { createSecretProvider } from './secrets.ts';
import { ManualClock } from '../../../test/support/pipelines/web/manual-clock.ts';
import {
  startLocalServer,
  sendJson,
  type LocalServer,
  type RecordedRequest,
} from '../../../test/support/pipelines/web/local-http-server.ts';
import { testDeps, type TestDeps } from '../../../test/support/pipelines/web/web-deps.ts';
import { entraAuthorityRewriter } from './url-rewrite.ts';
import { runWebActivity } from './web-activity.ts';

let server: LocalServer;
let issued = 0;

function tokenResponse(request: RecordedRequest, subject: string): Record<string, string> {
  issued += 1;
  return {
    token_type: 'Bearer',
    expires_in: '3600',
    access_token: `${subject}-${issued}`,
    resource: request.path,
  };
}

before(async () => {
  server = await startLocalServer((request, response) => {
    const url = new URL(request.path, 'http://local');
    if (url.pathname === '/metadata/identity/oauth2/token') {
      if (request.headers.metadata !== 'true') {
        sendJson(response, 400, { error: 'invalid_request' });
        return;
      }
      const resource = url.searchParams.get('resource');
      if (resource !== 'https://ml.azure.com') {
        sendJson(response, 400, {
          error: 'invalid_resource',
          error_description: `unknown ${resource}`,
        });
        return;
      }
      sendJson(response, 200, tokenResponse(request, `mi-${url.searchParams.get('client_id') ?? 'system'}`));
      return;
    }
    if (url.pathname === '/tenant-1/oauth2/token') {
      const form = new URLSearchParams(request.body);
      if (form.get('client_secret') !== 's3cret') {
        sendJson(response, 401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret.',
        });
        return;
      }
      sendJson(response, 200, tokenResponse(request, `sp-${form.get('client_id') ?? ''}`));
      return;
    }
    sendJson(response, 200, { called: url.pathname });
  });
});

after(async () => {
  await server.close();
});

function depsWithTokens(overrides: Partial<TestDeps> = {}): TestDeps {
  const clock = overrides.clock ?? new ManualClock();
  return testDeps({ ...overrides, clock, tokens: new HttpTokenProvider({ serverUrl: server.url, clock }) });
}

async function lastRequestTo(path: string): Promise<RecordedRequest> {
  const found = [...server.requests].reverse().find((r) => r.path === path);
  assert.ok(found, `no request to ${path}`);
  return Promise.resolve(found);
}

async function failureOf(promise: Promise<unknown>): Promise<ActivityFailure> {
  const error: unknown = await promise.then(
    () => assert.fail('the activity succeeded'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ActivityFailure, `expected ActivityFailure, got ${String(error)}`);
  return error;
}

const msi = { type: 'MSI', resource: 'https://ml.azure.com' };

describe('MSI', () => {
  test('gets a token from the IMDS endpoint and sends it as Bearer', async () => {
    const deps = depsWithTokens();
    await runWebActivity({ method: 'GET', url: `${server.url}/jobs/a`, authentication: msi }, deps);
    const imds = server.requests.find((r) => r.path.startsWith('/metadata/identity/oauth2/token'));
    assert.ok(imds);
    assert.equal(imds.method, 'GET');
    assert.equal(imds.headers.metadata, 'true');
    assert.equal(
      imds.path,
      '/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fml.azure.com',
    );
    assert.match((await lastRequestTo('/jobs/a')).headers.authorization ?? '', /^Bearer mi-system-\d+$/);
  });

  test('the token is cached until shortly before expiry, on the clock', async () => {
    const deps = depsWithTokens();
    const props = { method: 'GET', url: `${server.url}/jobs/b`, authentication: msi };
    await runWebActivity(props, deps);
    const first = (await lastRequestTo('/jobs/b')).headers.authorization;
    await runWebActivity(props, deps);
    assert.equal((await lastRequestTo('/jobs/b')).headers.authorization, first);
    deps.clock.advance(56 * 60_000); // past expiry (60 min) minus the 5 minute refresh margin
    await runWebActivity(props, deps);
    assert.notEqual((await lastRequestTo('/jobs/b')).headers.authorization, first);
  });

  test('a user-assigned identity passes its client id', async () => {
    const deps = depsWithTokens({
      credentialClientId: (name) => (name === 'cred1' ? 'client-abc' : undefined),
    });
    const authentication = {
      type: 'UserAssignedManagedIdentity',
      resource: 'https://ml.azure.com',
      credential: { referenceName: 'cred1', type: 'CredentialReference' },
    };
    await runWebActivity({ method: 'GET', url: `${server.url}/jobs/c`, authentication }, deps);
    assert.match((await lastRequestTo('/jobs/c')).headers.authorization ?? '', /^Bearer mi-client-abc-\d+$/);
  });

  test('a token failure fails the activity with 2403 and the reason', async () => {
    const authentication = { type: 'MSI', resource: 'https://unknown.example' };
    const run = runWebActivity(
      { method: 'GET', url: `${server.url}/jobs/d`, authentication },
      depsWithTokens(),
    );
    const failure = await failureOf(run);
    assert.equal(failure.errorCode, '2403');
    assert.match(
      failure.message,
      /^Get access token from MSI failed for Datafactory nightshift, region Local\./,
    );
    assert.match(failure.message, /invalid_resource: unknown https:\/\/unknown\.example/);
    assert.equal(
      server.requests.some((r) => r.path === '/jobs/d'),
      false,
    );
  });
});

describe('ServicePrincipal', () => {
  const authentication = {
    type: 'ServicePrincipal',
    userTenant: 'tenant-1',
    username: 'app-1',
    password: { type: 'SecureString', value: 's3cret' },
    resource: 'https://ml.azure.com',
  };

  test('uses the client-credentials flow against the authority and sends the Bearer token', async () => {
    await runWebActivity({ method: 'GET', url: `${server.url}/jobs/e`, authentication }, depsWithTokens());
    const token = await lastRequestTo('/tenant-1/oauth2/token');
    assert.equal(token.method, 'POST');
    assert.equal(token.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(token.body)), {
      grant_type: 'client_credentials',
      client_id: 'app-1',
      client_secret: 's3cret',
      resource: 'https://ml.azure.com',
    });
    assert.match((await lastRequestTo('/jobs/e')).headers.authorization ?? '', /^Bearer sp-app-1-\d+$/);
  });

  test('a wrong secret is refused, even with a token cached for the right one', async () => {
    const deps = depsWithTokens();
    await runWebActivity({ method: 'GET', url: `${server.url}/jobs/f`, authentication }, deps);
    const wrong = { ...authentication, password: { type: 'SecureString', value: 'nope' } };
    const failure = await failureOf(
      runWebActivity({ method: 'GET', url: `${server.url}/jobs/f`, authentication: wrong }, deps),
    );
    assert.equal(failure.errorCode, '2403');
    assert.match(failure.message, /^Failed to get access token by using service principal\..*AADSTS7000215/);
  });

  test('the docs-page field names (tenant, servicePrincipalId, servicePrincipalKey) work too', async () => {
    const docsShape = {
      type: 'ServicePrincipal',
      tenant: 'tenant-1',
      servicePrincipalId: 'app-2',
      servicePrincipalKey: 's3cret',
      resource: 'https://ml.azure.com',
    };
    await runWebActivity(
      { method: 'GET', url: `${server.url}/jobs/g`, authentication: docsShape },
      depsWithTokens(),
    );
    assert.match((await lastRequestTo('/jobs/g')).headers.authorization ?? '', /^Bearer sp-app-2-\d+$/);
  });

  test("the template's own Authorize call to login.microsoftonline.com reaches the configured authority", async () => {
    const props = {
      method: 'POST',
      url: 'https://login.microsoftonline.com/tenant-1/oauth2/token',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=app-3&client_secret=s3cret&resource=https://ml.azure.com',
    };
    const { output } = await runWebActivity(
      props,
      testDeps({ rewriteUrl: entraAuthorityRewriter(server.url) }),
    );
    assert.match(String(output.access_token), /^sp-app-3-\d+$/);
    assert.equal(output.token_type, 'Bearer');
  });
});

describe('Basic and secrets', () => {
  test('Basic sends base64(user:password) from a SecureString', async () => {
    const authentication = {
      type: 'Basic',
      username: 'user',
      password: { type: 'SecureString', value: 'pa:ss' },
    };
    await runWebActivity({ method: 'GET', url: `${server.url}/jobs/h`, authentication }, testDeps());
    const expected = `Basic ${Buffer.from('user:pa:ss').toString('base64')}`;
    assert.equal((await lastRequestTo('/jobs/h')).headers.authorization, expected);
  });

  test('the authentication header replaces one the pipeline set', async () => {
    const authentication = { type: 'Basic', username: 'u', password: 'p' };
    const headers = { authorization: 'Bearer stale' };
    await runWebActivity({ method: 'GET', url: `${server.url}/jobs/i`, headers, authentication }, testDeps());
    assert.equal(
      (await lastRequestTo('/jobs/i')).headers.authorization,
      `Basic ${Buffer.from('u:p').toString('base64')}`,
    );
  });

  test('a Key Vault secret is refused clearly when no store is configured', async () => {
    const password = {
      type: 'AzureKeyVaultSecret',
      store: { referenceName: 'KV', type: 'LinkedServiceReference' },
      secretName: 'api-password',
    };
    const props = {
      method: 'GET',
      url: `${server.url}/jobs/j`,
      authentication: { type: 'Basic', username: 'u', password },
    };
    const failure = await failureOf(runWebActivity(props, testDeps()));
    assert.equal(failure.errorCode, 'SecretNotResolved');
    assert.match(failure.message, /secret 'api-password' of Azure Key Vault linked service 'KV'/);
    assert.equal(
      server.requests.some((r) => r.path === '/jobs/j'),
      false,
    );
  });

  test('a Key Vault secret is read from a configured store', async () => {
    const secrets = createSecretProvider({
      keyVault: {
        getSecret: (ref) => Promise.resolve(`${ref.store}/${ref.secretName}/${ref.secretVersion ?? ''}`),
      },
    });
    const password = {
      type: 'AzureKeyVaultSecret',
      store: { referenceName: 'KV' },
      secretName: 's',
      secretVersion: 'v1',
    };
    const props = {
      method: 'GET',
      url: `${server.url}/jobs/k`,
      authentication: { type: 'Basic', username: 'u', password },
    };
    await runWebActivity(props, testDeps({ secrets }));
    assert.equal(
      (await lastRequestTo('/jobs/k')).headers.authorization,
      `Basic ${Buffer.from('u:KV/s/v1').toString('base64')}`,
    );
  });

  test('an unknown authentication type is refused', async () => {
    const props = { method: 'GET', url: `${server.url}/jobs/l`, authentication: { type: 'Kerberos' } };
    assert.equal(
      (await failureOf(runWebActivity(props, testDeps()))).errorCode,
      'AuthenticationNotSupported',
    );
  });

  test('the input record masks the secrets of the authentication block', async () => {
    const authentication = {
      type: 'ServicePrincipal',
      userTenant: 'tenant-1',
      username: 'app-1',
      password: { type: 'SecureString', value: 's3cret' },
      resource: 'https://ml.azure.com',
    };
    const { input } = await runWebActivity(
      { method: 'GET', url: `${server.url}/jobs/m`, authentication },
      depsWithTokens(),
    );
    assert.deepEqual(input.authentication, {
      ...authentication,
      password: { type: 'SecureString', value: '**********' },
    });
  });
});
