/**
 * Authorization through the real server, as the "done when" reads: a service principal and a
 * managed identity each get a token the documented way, invoke the endpoint they were granted, and are
 * refused everywhere else with a 403 naming the action and scope; an invoker sees only its own jobs; the
 * audit log shows each call; and the local owner keeps working with no login at all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { folderBody, Nightshift, smallFiles, type JobView, type ListBody } from '../helpers/jobs.ts';
import { managedIdentityTokens, servicePrincipalTokens } from '../helpers/auth.ts';
import { at } from '../helpers/json.ts';

describe('roles and scopes', () => {
  let server: TestServer;
  let owner: Nightshift;
  let granted: { endpoint: string; scoringUri: string };
  let other: { endpoint: string; scoringUri: string };
  let sp: { appId: string; password: string; objectId: string };
  let invoker: Nightshift;
  let identity: Nightshift;
  const input = 'inputs/auth';

  async function assign(assignee: string, role: string, scope: string) {
    const reply = await server.call('POST', '/nightshift/roleAssignments', { assignee, role, scope });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
  }

  before(async () => {
    server = await startServer();
    owner = await Nightshift.connect(server.url);
    granted = await owner.deploy({ script: 'strings.ts' });
    other = await owner.deploy({ script: 'strings.ts' });
    await owner.uploadFiles(input, smallFiles(2));
    const created = await server.call('POST', '/nightshift/servicePrincipals', { displayName: 'adf-sp' });
    sp = created.body as typeof sp;
    const endpointScope = `${server.ws}/batchEndpoints/${granted.endpoint}`;
    await assign(sp.appId, 'Batch Endpoint Invoker', endpointScope);
    // The job reads its input and writes its output with the invoker's identity.
    const blobs = `${server.ws}/datastores/workspaceblobstore`;
    await assign(sp.appId, 'Storage Blob Data Contributor', blobs);
    invoker = owner.as(servicePrincipalTokens(server.url, sp.appId, sp.password));
    const mi = (await server.call('POST', '/nightshift/managedIdentities', { name: 'adf-mi' })).body as {
      clientId: string;
    };
    await assign('adf-mi', 'Batch Endpoint Invoker', endpointScope);
    await assign('adf-mi', 'Storage Blob Data Contributor', blobs);
    identity = owner.as(managedIdentityTokens(server.url, mi.clientId));
  });

  after(async () => {
    await server.stop();
  });

  it('lets the local owner do everything without logging in', async () => {
    const jobs = await owner.ok<ListBody<JobView>>('GET', `${server.ws}/jobs`);
    assert.ok(Array.isArray(jobs.value));
    const me = await owner.ok<ListBody<{ roleDefinitionName: string; principalType: string }>>(
      'GET',
      '/nightshift/roleAssignments?role=Owner',
    );
    assert.deepEqual(
      me.value.map((a) => [a.roleDefinitionName, a.principalType]),
      [['Owner', 'User']],
    );
  });

  it('a service principal invokes the endpoint it was granted and reads its job', async () => {
    const job = await invoker.start(granted.scoringUri, folderBody(input));
    assert.equal(job.systemData.createdBy, sp.appId);
    assert.equal(job.systemData.createdByType, 'Application');
    const done = await invoker.waitForJob(job.name);
    assert.equal(done.properties.status, 'Completed');
    // The data plane poll of Run-BatchEndpoint: GET {scoringUri}/{job}.
    const polled = await invoker.request<JobView>('GET', `${granted.scoringUri}/${job.name}`);
    assert.equal(polled.status, 200, polled.text);
  });

  it('a managed identity invokes through an IMDS token', async () => {
    const job = await identity.start(granted.scoringUri, folderBody(input));
    assert.equal(job.systemData.createdByType, 'ManagedIdentity');
    assert.equal((await identity.waitForJob(job.name)).properties.status, 'Completed');
  });

  it('refuses an invoker on another endpoint, naming the action and the scope', async () => {
    const reply = await invoker.invoke(other.scoringUri, folderBody(input));
    assert.equal(reply.status, 403, reply.text);
    const message = String(at(reply.body, 'error.message'));
    assert.match(message, /batchEndpoints\/jobs\/write/);
    assert.ok(message.includes(`${server.ws}/batchEndpoints/${other.endpoint}`), message);
    assert.equal(at(reply.body, 'error.code'), 'AuthorizationFailed');
  });

  it('refuses a role too weak for the call', async () => {
    const put = await invoker.request('PUT', `${server.ws}/batchEndpoints/${granted.endpoint}`, {
      json: { properties: {} },
    });
    assert.equal(put.status, 403, put.text);
    assert.match(String(at(put.body, 'error.message')), /batchEndpoints\/write/);
    const models = await invoker.request('GET', `${server.ws}/models`);
    assert.equal(models.status, 403);
    const grant = await invoker.request('POST', '/nightshift/roleAssignments', {
      json: { assignee: sp.appId, role: 'Owner' },
    });
    assert.equal(grant.status, 403);
    assert.match(String(at(grant.body, 'error.message')), /roleAssignments\/write/);
  });

  it('an invoker reads only the jobs it created', async () => {
    const mine = await invoker.start(granted.scoringUri, folderBody(input));
    const theirs = await owner.start(granted.scoringUri, folderBody(input));
    const read = await invoker.request('GET', `${granted.scoringUri}/${theirs.name}`);
    assert.equal(read.status, 403, read.text);
    const mgmt = await invoker.request('GET', `${server.ws}/jobs/${theirs.name}`);
    assert.equal(mgmt.status, 403, mgmt.text);
    const listed = await invoker.ok<ListBody<JobView>>('GET', granted.scoringUri);
    const names = listed.value.map((j) => j.name);
    assert.ok(names.includes(mine.name));
    assert.ok(!names.includes(theirs.name));
    const all = await owner.ok<ListBody<JobView>>('GET', granted.scoringUri);
    assert.ok(all.value.some((j) => j.name === theirs.name));
  });

  it('a Reader at the workspace reads but does not write', async () => {
    const created = await server.call('POST', '/nightshift/servicePrincipals', { displayName: 'reader' });
    const reader = created.body as { appId: string; password: string };
    await assign(reader.appId, 'Reader', server.ws);
    const as = owner.as(servicePrincipalTokens(server.url, reader.appId, reader.password));
    assert.equal((await as.request('GET', `${server.ws}/batchEndpoints`)).status, 200);
    assert.equal((await as.request('GET', `${server.ws}/jobs`)).status, 200);
    const invoke = await as.invoke(granted.scoringUri, folderBody(input));
    assert.equal(invoke.status, 403);
  });

  it('a deleted principal loses its rights and its assignments at once', async () => {
    const created = await server.call('POST', '/nightshift/servicePrincipals', { displayName: 'gone' });
    const gone = created.body as { appId: string; password: string; objectId: string };
    await assign(gone.appId, 'Reader', server.ws);
    const tokens = servicePrincipalTokens(server.url, gone.appId, gone.password);
    const token = await tokens.token('https://management.azure.com');
    const as = owner.as({ origin: 'kept token', token: () => Promise.resolve(token) });
    assert.equal((await as.request('GET', `${server.ws}/batchEndpoints`)).status, 200);
    assert.equal((await server.call('DELETE', `/nightshift/servicePrincipals/${gone.appId}`)).status, 204);
    const after = await as.request('GET', `${server.ws}/batchEndpoints`);
    assert.equal(after.status, 401);
    assert.equal(at(after.body, 'error.code'), 'PrincipalNotFound');
    const left = await server.call('GET', `/nightshift/roleAssignments`);
    assert.ok(!(at(left.body, 'value[].principalId') as string[]).includes(gone.objectId));
  });

  it('records invocations, refusals and tokens in the audit log, without secrets', async () => {
    const log = await server.call('GET', '/nightshift/auditLogs?limit=1000');
    assert.equal(log.status, 200);
    const entries = (log.body as { value: Record<string, unknown>[] }).value;
    const invoked = entries.find(
      (e) => e.principal === sp.appId && String(e.action).endsWith('batchEndpoints/jobs/write'),
    );
    assert.equal(invoked?.result, 'Succeeded');
    assert.equal(invoked.address, '127.0.0.1');
    const denied = entries.find((e) => e.principal === sp.appId && e.result === 'Denied');
    assert.equal(denied?.status, 403);
    assert.equal(denied.detail, 'AuthorizationFailed');
    const issued = entries.find((e) => e.action === 'token/issue' && e.principal === sp.appId);
    assert.equal(issued?.result, 'Succeeded');
    assert.ok(entries.some((e) => e.action === 'token/issue-managed-identity'));
    const text = JSON.stringify(entries);
    assert.ok(!text.includes(sp.password), 'a secret is in the audit log');
    assert.ok(!/eyJ[\w-]+\.eyJ/.test(text), 'a token is in the audit log');
    const onlyDenied = await server.call('GET', '/nightshift/auditLogs?result=Denied');
    assert.ok((at(onlyDenied.body, 'value[].result') as string[]).every((r) => r === 'Denied'));
  });
});
