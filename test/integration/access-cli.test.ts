/**
 * Identity and access through the `nightshift` CLI, as an operator sets up a pipeline's access: the local
 * owner makes a service principal with `ad sp create-for-rbac --role 'Batch Endpoint Invoker'`, the
 * pipeline logs in as it (its own config dir), gets tokens, may list endpoints but is refused model and role
 * writes with a 403 naming the action, and the refusal shows in `audit list`. Also secret reset, managed
 * identities, role assignments and definitions, and logout. The tests run in order and share the principal.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jsonOf, runCli, type CliResult } from '../helpers/cli.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let configDir: string;

before(async () => {
  server = await startServer();
  configDir = mkdtempSync(join(tmpdir(), 'nightshift-access-cli-'));
});

after(async () => {
  await server.stop();
  rmSync(configDir, { recursive: true, force: true });
});

/** As the local owner (the server's data dir, no saved login). */
function owner(...args: string[]): Promise<CliResult> {
  return runCli(args, { server: server.url });
}

/** As whoever is logged in through the test's config dir (the owner when nobody is). */
function pipeline(...args: string[]): Promise<CliResult> {
  return runCli(args, { server: server.url, env: { NIGHTSHIFT_CONFIG_DIR: configDir } });
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

function refusedAction(result: CliResult, action: string): void {
  assert.notEqual(result.code, 0, result.stdout);
  assert.match(result.stderr, /AuthorizationFailed/);
  assert.ok(
    result.stderr.includes(`does not have authorization to perform action '${action}'`),
    result.stderr,
  );
  assert.match(result.stderr, /\(HTTP 403\)/);
}

interface Credential {
  appId: string;
  displayName?: string;
  password: string;
  tenant: string;
}

interface Assignment {
  name: string;
  principalId: string;
  principalName: string;
  roleDefinitionName: string;
  scope: string;
}

let sp: Credential;

describe('a pipeline service principal, end to end', () => {
  it('create-for-rbac prints exactly appId, displayName, password and tenant, and assigns the role', async () => {
    const result = await owner(
      'ad',
      'sp',
      'create-for-rbac',
      '--name',
      'orchestrator',
      '--role',
      'Batch Endpoint Invoker',
    );
    sp = jsonOf(result) as Credential;
    assert.deepEqual(Object.keys(sp).sort(), ['appId', 'displayName', 'password', 'tenant']);
    assert.equal(sp.displayName, 'orchestrator');
    assert.equal(sp.tenant, 'nightshift');
    assert.match(result.stderr, /credentials that you must protect/);
    const assignments = jsonOf(
      await owner('role', 'assignment', 'list', '--assignee', sp.appId),
    ) as Assignment[];
    assert.deepEqual(
      assignments.map((a) => [a.roleDefinitionName, a.scope]),
      [['Batch Endpoint Invoker', server.ws]],
    );
  });

  it('refuses a login with a wrong secret, with the token endpoint message, and saves nothing', async () => {
    const result = await pipeline(
      'login',
      '--service-principal',
      '-u',
      sp.appId,
      '-p',
      'not-the-secret',
      '--tenant',
      'nightshift',
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Invalid client secret provided for application/);
    assert.equal(existsSync(join(configDir, 'profile.json')), false);
  });

  it('logs in as the principal, printing the account without the secret', async () => {
    const result = await pipeline(
      'login',
      '--service-principal',
      '-u',
      sp.appId,
      '-p',
      sp.password,
      '--tenant',
      'nightshift',
    );
    const accounts = jsonOf(result) as { cloudName: string; tenantId: string; user: unknown }[];
    assert.deepEqual(
      accounts.map((a) => [a.cloudName, a.tenantId, a.user]),
      [['Nightshift', 'nightshift', { name: sp.appId, type: 'servicePrincipal' }]],
    );
    assert.ok(!result.stdout.includes(sp.password));
    assert.equal(statSync(join(configDir, 'profile.json')).mode & 0o777, 0o600);
  });

  it('account show names the principal and the saved login', async () => {
    const shown = jsonOf(await pipeline('account', 'show')) as {
      user: { name: string; displayName: string };
      credentialSource: string;
    };
    assert.equal(shown.user.name, sp.appId);
    assert.equal(shown.user.displayName, 'orchestrator');
    assert.ok(shown.credentialSource.includes(configDir), shown.credentialSource);
  });

  it('gets a data plane token for the principal, by resource or by scope', async () => {
    const view = jsonOf(
      await pipeline('account', 'get-access-token', '--resource', 'https://ml.azure.com'),
    ) as {
      accessToken: string;
      expiresOn: string;
      expires_on: number;
      tokenType: string;
      tenant: string;
    };
    const claims = claimsOf(view.accessToken);
    assert.equal(claims.aud, 'https://ml.azure.com');
    assert.equal(claims.appid, sp.appId);
    assert.equal(view.expires_on, claims.exp);
    assert.ok(view.expires_on > Date.now() / 1000);
    assert.match(view.expiresOn, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
    assert.equal(view.tokenType, 'Bearer');
    assert.equal(view.tenant, 'nightshift');
    const byScope = await pipeline(
      'account',
      'get-access-token',
      '--scope',
      'https://ml.azure.com/.default',
      '--query',
      'accessToken',
      '-o',
      'tsv',
    );
    assert.equal(byScope.code, 0, byScope.stderr);
    assert.equal(claimsOf(byScope.stdout.trim()).aud, 'https://ml.azure.com');
  });

  it('lets the principal list batch endpoints', async () => {
    assert.deepEqual(jsonOf(await pipeline('batch-endpoint', 'list')), []);
  });

  it('refuses the principal a model write and a role assignment, naming the action', async () => {
    const model = await pipeline(
      'model',
      'create',
      '--name',
      'sneaky',
      '--version',
      '1',
      '--path',
      'azureml://datastores/workspaceblobstore/paths/sneaky',
    );
    refusedAction(model, 'Microsoft.MachineLearningServices/workspaces/models/versions/write');
    const grant = await pipeline('role', 'assignment', 'create', '--assignee', sp.appId, '--role', 'Owner');
    refusedAction(grant, 'Microsoft.Authorization/roleAssignments/write');
  });

  it('shows the refused calls in the audit log, to the owner only', async () => {
    const denied = jsonOf(
      await owner('audit', 'list', '--result', 'Denied', '--principal', sp.appId, '--since', '1h'),
    ) as { principal: string; action: string; status: number }[];
    const actions = denied.map((e) => e.action);
    assert.ok(actions.includes('Microsoft.Authorization/roleAssignments/write'), actions.join(', '));
    assert.ok(actions.includes('Microsoft.MachineLearningServices/workspaces/models/versions/write'));
    assert.ok(denied.every((e) => e.principal === sp.appId));
    // The wrong-secret login is there too, as a refused token request.
    assert.ok(denied.some((e) => e.action === 'token/issue' && e.status === 401));
    const table = await owner('audit', 'list', '--result', 'Denied', '-o', 'table');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout.split('\n')[0] ?? '', /^Time\s+Principal\s+Action\s+Status\s+Result$/);
    assert.match(table.stdout, /Microsoft\.Authorization\/roleAssignments\/write\s+403\s+Denied/);
    // One identity reads the same on every row: its display name, for the refused call (recorded by
    // object id) and for the refused token request (recorded by app id) alike.
    const rows = table.stdout
      .split('\n')
      .slice(2)
      .filter((row) => row !== '');
    const spRows = rows.filter((row) => /\sorchestrator\s/.test(row));
    assert.ok(
      spRows.some((row) => row.includes('roleAssignments/write')),
      table.stdout,
    );
    assert.ok(
      spRows.some((row) => row.includes('token/issue')),
      table.stdout,
    );
    assert.ok(
      rows.every((row) => !row.includes(sp.appId)),
      table.stdout,
    );
    const all = jsonOf(await owner('audit', 'list', '--since', '1h')) as { principalName: string }[];
    assert.ok(
      all.some((e) => /\(local owner\)$/.test(e.principalName)),
      JSON.stringify(all.slice(0, 3)),
    );
    refusedAction(await pipeline('audit', 'list'), 'Microsoft.Insights/eventtypes/values/read');
  });

  it('credential reset replaces the secret: the old one no longer logs in, the new one does', async () => {
    const reset = jsonOf(await owner('ad', 'sp', 'credential', 'reset', '--id', sp.appId)) as Credential;
    assert.deepEqual(Object.keys(reset).sort(), ['appId', 'password', 'tenant']);
    assert.equal(reset.appId, sp.appId);
    assert.notEqual(reset.password, sp.password);
    // The saved login still holds the old secret, so commands fail until the pipeline logs in again.
    const stale = await pipeline('batch-endpoint', 'list');
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /Invalid client secret/);
    const old = await pipeline('login', '--service-principal', '-u', sp.appId, '-p', sp.password);
    assert.equal(old.code, 1);
    assert.match(old.stderr, /Invalid client secret/);
    const fresh = await pipeline(
      'login',
      '--service-principal',
      '-u',
      sp.appId,
      '-p',
      reset.password,
      '-o',
      'none',
    );
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.equal(jsonOf(await pipeline('batch-endpoint', 'list', '--query', 'length(@)')), 0);
  });

  it('logout forgets the login, so commands act as the local owner again', async () => {
    const out = await pipeline('logout');
    assert.equal(out.code, 0, out.stderr);
    assert.equal(existsSync(join(configDir, 'profile.json')), false);
    const shown = jsonOf(await pipeline('account', 'show')) as { user: { name: string } };
    assert.notEqual(shown.user.name, sp.appId);
    assert.equal((await pipeline('logout')).code, 1);
  });
});

describe('directory and role management', () => {
  it('creates, lists, assigns, shows and deletes a managed identity', async () => {
    const created = jsonOf(await owner('identity', 'create', '-n', 'ingest')) as {
      name: string;
      clientId: string;
      principalId: string;
      id: string;
    };
    assert.equal(created.name, 'ingest');
    assert.match(created.id, /\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/ingest$/);
    const names = jsonOf(await owner('identity', 'list', '--query', '[].name')) as string[];
    assert.ok(names.includes('ingest'));
    const assigned = jsonOf(
      await owner('role', 'assignment', 'create', '--assignee', 'ingest', '--role', 'Reader'),
    ) as Assignment;
    assert.equal(assigned.principalId, created.principalId);
    assert.equal(assigned.scope, server.ws);
    const deleted = await owner('identity', 'delete', '-n', 'ingest');
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await owner('identity', 'show', '-n', 'ingest');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /HTTP 404/);
    // The identity's assignment went with it.
    const left = jsonOf(await owner('role', 'assignment', 'list', '--role', 'Reader')) as Assignment[];
    assert.ok(left.every((a) => a.principalId !== created.principalId));
  });

  it('lists role assignments as a table and deletes them by id and by filter', async () => {
    const helper = jsonOf(await owner('ad', 'sp', 'create-for-rbac', '-n', 'helper')) as Credential;
    const first = jsonOf(
      await owner('role', 'assignment', 'create', '--assignee', helper.appId, '--role', 'Reader'),
    ) as Assignment & { id: string };
    await owner('role', 'assignment', 'create', '--assignee', helper.appId, '--role', 'Contributor');
    const table = await owner('role', 'assignment', 'list', '--assignee', helper.appId, '-o', 'table');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout.split('\n')[0] ?? '', /^Principal\s+Role\s+Scope$/);
    assert.match(table.stdout, new RegExp(`${helper.appId}\\s+Reader\\s+${server.ws}`));
    assert.equal((await owner('role', 'assignment', 'delete', '--ids', first.id)).code, 0);
    const byFilter = await owner(
      'role',
      'assignment',
      'delete',
      '--assignee',
      helper.appId,
      '--role',
      'Contributor',
    );
    assert.equal(byFilter.code, 0, byFilter.stderr);
    assert.deepEqual(jsonOf(await owner('role', 'assignment', 'list', '--assignee', helper.appId)), []);
    const none = await owner('role', 'assignment', 'delete', '--assignee', helper.appId, '--role', 'Reader');
    assert.match(none.stderr, /No matched assignments were found to delete/);
    assert.equal((await owner('role', 'assignment', 'delete')).code, 2);
  });

  it('lists the role definitions as a table, and one by name', async () => {
    const table = await owner('role', 'definition', 'list', '-o', 'table');
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^Name\s+Type\s+Description$/);
    const names = lines.slice(2).map((l) => l.split(/\s{2,}/)[0]);
    assert.deepEqual(names, [
      'Owner',
      'Contributor',
      'Reader',
      'AzureML Data Scientist',
      'Batch Endpoint Invoker',
      'Storage Blob Data Reader',
      'Storage Blob Data Contributor',
    ]);
    const one = jsonOf(await owner('role', 'definition', 'list', '--name', 'batch endpoint invoker')) as {
      roleName: string;
    }[];
    assert.deepEqual(
      one.map((r) => r.roleName),
      ['Batch Endpoint Invoker'],
    );
  });

  it('shows a principal by app id or object id, and deletes it with its assignments', async () => {
    const shown = jsonOf(await owner('ad', 'sp', 'show', '--id', sp.appId)) as { id: string; appId: string };
    assert.equal(shown.appId, sp.appId);
    const byObjectId = jsonOf(await owner('ad', 'sp', 'show', '--id', shown.id, '--query', 'appId'));
    assert.equal(byObjectId, sp.appId);
    const listed = (await owner('ad', 'sp', 'list', '--query', '[].appId', '-o', 'tsv')).stdout.split('\n');
    assert.ok(listed.includes(sp.appId));
    assert.equal((await owner('ad', 'sp', 'delete', '--id', sp.appId)).code, 0);
    assert.equal((await owner('ad', 'sp', 'show', '--id', sp.appId)).code, 1);
    const assignments = jsonOf(await owner('role', 'assignment', 'list', '--all')) as Assignment[];
    assert.ok(assignments.every((a) => a.principalId !== shown.id));
  });

  it('keeps no principal when create-for-rbac cannot assign the role', async () => {
    const before = jsonOf(await owner('ad', 'sp', 'list', '--query', 'length(@)'));
    const result = await owner(
      'ad',
      'sp',
      'create-for-rbac',
      '-n',
      'stray',
      '--role',
      'Reader',
      '--scopes',
      '/subscriptions/elsewhere',
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Cannot assign role 'Reader'.*deleted again/);
    assert.equal(jsonOf(await owner('ad', 'sp', 'list', '--query', 'length(@)')), before);
  });
});
