/**
 * Least privilege through the real server: file contents and job outputs are data actions (a Reader is
 * refused them, an invoker reads only its own jobs' outputs); Contributor and AzureML Data Scientist are
 * refused service principals, their secrets, managed identity changes and role assignments (so neither
 * can reset the Owner's secret), and a datastore over a host folder needs Owner; an owner of a service
 * principal may reset that principal's secret without the Owner role. The audit log names each caller
 * the same way on every row.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readLocalCredentials } from '../../src/auth/local-owner.ts';
import { servicePrincipalTokens } from '../helpers/auth.ts';
import { folderBody, Nightshift, smallFiles, type JobView } from '../helpers/jobs.ts';
import { at } from '../helpers/json.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const ML = 'Microsoft.MachineLearningServices/workspaces';

let server: TestServer;
let owner: Nightshift;
let endpoint: { endpoint: string; scoringUri: string };
const as: Record<'reader' | 'contributor' | 'scientist' | 'invoker', Nightshift> = {} as never;
let invokerJob: JobView;
/** An invoker with no storage role: no datastore contents at all. */
let bareInvoker: Nightshift;
let ownerJob: JobView;

async function principal(name: string, role: string, scope: string) {
  const created = await server.call('POST', '/nightshift/servicePrincipals', { displayName: name });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const sp = created.body as { appId: string; password: string; objectId: string };
  const grant = await server.call('POST', '/nightshift/roleAssignments', { assignee: sp.appId, role, scope });
  assert.equal(grant.status, 201, JSON.stringify(grant.body));
  return { ...sp, client: owner.as(servicePrincipalTokens(server.url, sp.appId, sp.password)) };
}

function refused(reply: { status: number; body: unknown; text: string }, action: string): void {
  assert.equal(reply.status, 403, reply.text);
  assert.ok(String(at(reply.body, 'error.message')).includes(`'${action}'`), reply.text);
}

before(async () => {
  server = await startServer();
  owner = await Nightshift.connect(server.url);
  endpoint = await owner.deploy({ script: 'strings.ts' });
  await owner.uploadFiles('inputs/roles', smallFiles(2));
  as.reader = (await principal('reader', 'Reader', server.ws)).client;
  as.contributor = (await principal('contributor', 'Contributor', server.ws)).client;
  as.scientist = (await principal('scientist', 'AzureML Data Scientist', server.ws)).client;
  const scope = `${server.ws}/batchEndpoints/${endpoint.endpoint}`;
  const invoker = await principal('invoker', 'Batch Endpoint Invoker', scope);
  // The job reads and writes workspaceblobstore with the invoker's identity.
  const blobs = `${server.ws}/datastores/workspaceblobstore`;
  const storage = { assignee: invoker.appId, role: 'Storage Blob Data Contributor', scope: blobs };
  assert.equal((await server.call('POST', '/nightshift/roleAssignments', storage)).status, 201);
  as.invoker = invoker.client;
  bareInvoker = (await principal('bare-invoker', 'Batch Endpoint Invoker', scope)).client;
  invokerJob = await as.invoker.start(endpoint.scoringUri, folderBody('inputs/roles'));
  ownerJob = await owner.start(endpoint.scoringUri, folderBody('inputs/roles'));
  assert.equal((await owner.waitForJob(invokerJob.name)).properties.status, 'Completed');
  assert.equal((await owner.waitForJob(ownerJob.name)).properties.status, 'Completed');
});

after(async () => {
  await server.stop();
});

describe('job outputs', () => {
  const outputs = (job: JobView) => `${server.ws}/jobs/${job.name}/outputs/score`;

  it('lists the output file and the manifest, and serves their bytes', async () => {
    const listed = await owner.ok<{ value: { path: string; size: number }[] }>('GET', outputs(ownerJob));
    assert.deepEqual(listed.value.map((f) => f.path).sort(), ['manifest.json', 'predictions.csv']);
    const manifest = await owner.request('GET', `${outputs(ownerJob)}/paths/manifest.json`);
    assert.equal(manifest.status, 200);
    assert.equal((JSON.parse(manifest.text) as { job: string }).job, ownerJob.name);
    const output = await owner.request('GET', `${outputs(ownerJob)}/paths/predictions.csv`);
    assert.equal(output.text.length, listed.value.find((f) => f.path === 'predictions.csv')?.size);
    assert.equal(
      (await owner.request('GET', `${server.ws}/jobs/${ownerJob.name}/outputs/other`)).status,
      404,
    );
    const outside = await owner.request('GET', `${outputs(ownerJob)}/paths/..%2F..%2Fmetadata.db`);
    assert.equal(outside.status, 404, outside.text);
  });

  it('are a data action: the invoker reads its own jobs only, a Reader none', async () => {
    assert.equal((await as.invoker.request('GET', outputs(invokerJob))).status, 200);
    const mine = await as.invoker.request('GET', `${outputs(invokerJob)}/paths/manifest.json`);
    assert.equal(mine.status, 200, mine.text);
    const theirs = await as.invoker.request('GET', `${outputs(ownerJob)}/paths/predictions.csv`);
    assert.equal(theirs.status, 403, theirs.text);
    assert.match(String(at(theirs.body, 'error.message')), /jobs\/outputs\/read \(jobs created by others\)/);
    refused(await as.reader.request('GET', outputs(ownerJob)), `${ML}/jobs/outputs/read`);
    assert.equal((await as.contributor.request('GET', outputs(ownerJob))).status, 200);
    // The job itself stays readable to the Reader: outputs are the data, not the record.
    assert.equal((await as.reader.request('GET', `${server.ws}/jobs/${ownerJob.name}`)).status, 200);
  });

  it('the job view links its logs and no studio page', () => {
    const links = Object.keys(ownerJob.properties.interactionEndpoints);
    assert.deepEqual(links, ['Logs']);
  });
});

describe('datastore contents', () => {
  const file = () => `${server.ws}/datastores/workspaceblobstore/paths/inputs/roles/f000.txt`;

  it('refuse a Reader and an invoker, read or write, naming the data action', async () => {
    refused(await as.reader.request('GET', file()), `${ML}/datastores/paths/read`);
    refused(await as.reader.request('PUT', file(), { raw: 'x' }), `${ML}/datastores/paths/write`);
    refused(await bareInvoker.request('GET', file()), `${ML}/datastores/paths/read`);
    // The datastore itself is control-plane data a Reader may see.
    assert.equal((await as.reader.request('GET', `${server.ws}/datastores/workspaceblobstore`)).status, 200);
  });

  it('let a Data Scientist read and write', async () => {
    assert.equal((await as.scientist.request('GET', file())).text, 'content of file 0\n');
    const put = await as.scientist.request(
      'PUT',
      `${server.ws}/datastores/workspaceblobstore/paths/ds/new.txt`,
      {
        raw: 'new',
      },
    );
    assert.equal(put.status, 201, put.text);
  });
});

describe('what only Owner may do', () => {
  it('refuses Contributor and Data Scientist service principals, secrets, identities and role assignments', async () => {
    const local = readLocalCredentials(server.dataDir);
    assert.ok(local);
    for (const who of [as.contributor, as.scientist]) {
      refused(
        await who.request('GET', '/nightshift/servicePrincipals'),
        'Microsoft.Directory/servicePrincipals/read',
      );
      refused(
        await who.request('POST', '/nightshift/servicePrincipals', { json: { displayName: 'mine' } }),
        'Microsoft.Directory/servicePrincipals/write',
      );
      // Issue 10's escalation: resetting the Owner's secret would make the caller Owner.
      refused(
        await who.request('POST', `/nightshift/servicePrincipals/${local.clientId}/resetSecret`),
        'Microsoft.Directory/servicePrincipals/resetSecret/action',
      );
      refused(
        await who.request('POST', '/nightshift/managedIdentities', { json: { name: 'mine' } }),
        'Microsoft.ManagedIdentity/userAssignedIdentities/write',
      );
      refused(
        await who.request('POST', '/nightshift/roleAssignments', { json: { assignee: 'x', role: 'Owner' } }),
        'Microsoft.Authorization/roleAssignments/write',
      );
    }
    assert.equal((await as.contributor.request('GET', '/nightshift/managedIdentities')).status, 200);
    refused(
      await as.reader.request('GET', '/nightshift/servicePrincipals'),
      'Microsoft.Directory/servicePrincipals/read',
    );
  });

  it('a datastore over a host folder needs Owner; the rule reads the body as the service does', async () => {
    const folder = join(server.dataDir, 'datastores', 'extra');
    mkdirSync(folder, { recursive: true });
    const hostPath = `${ML}/datastores/hostPath/write`;
    const path = `${server.ws}/datastores/extra`;
    for (const who of [as.contributor, as.scientist]) {
      refused(
        await who.request('PUT', path, {
          json: { properties: { datastoreType: 'LocalFolder', path: folder } },
        }),
        hostPath,
      );
      refused(await who.request('PUT', path, { json: { properties: { path: folder } } }), hostPath);
      refused(
        await who.request('PUT', path, {
          json: { properties: { datastoretype: 'localfolder', path: folder } },
        }),
        hostPath,
      );
    }
    // A remote type is not a host folder: the rule lets it through to the service, which judges it.
    const blob = await as.scientist.request('PUT', path, {
      json: { properties: { datastoreType: 'AzureBlob' } },
    });
    assert.notEqual(blob.status, 403, blob.text);
    assert.ok(blob.status < 500, blob.text);
    const made = await owner.request('PUT', path, {
      json: { properties: { datastoreType: 'LocalFolder', path: folder } },
    });
    assert.equal(made.status, 201, made.text);
    const log = await server.call('GET', `/nightshift/auditLogs?action=hostPath&limit=100`);
    assert.ok((at(log.body, 'value[].status') as number[]).includes(403));
  });

  it('shows the data actions in role definitions', async () => {
    const roles = (await server.call('GET', '/nightshift/roleDefinitions')).body;
    assert.deepEqual(at(roles, "value[?roleName=='Reader'].permissions[0].dataActions | [0]"), []);
    assert.deepEqual(
      at(roles, "value[?roleName=='Batch Endpoint Invoker'].permissions[0].dataActions | [0]"),
      [`${ML}/jobs/outputs/read`],
    );
  });
});

describe('service principal owners', () => {
  it('an owner of a service principal resets its secret without the Owner role', async () => {
    const admin = await principal('admin', 'Owner', server.ws);
    const child = await admin.client.request<{ appId: string; owners: string[] }>(
      'POST',
      '/nightshift/servicePrincipals',
      { json: { displayName: 'child' } },
    );
    assert.equal(child.status, 201, child.text);
    assert.deepEqual(child.body.owners, [admin.objectId]);
    const other = await server.call('POST', '/nightshift/servicePrincipals', { displayName: 'not-theirs' });
    const otherId = (other.body as { appId: string }).appId;
    // Take the admin's Owner role away: from now on only its ownership of 'child' speaks for it.
    await server.call('POST', '/nightshift/roleAssignments/delete', { assignee: admin.appId, role: 'Owner' });
    const reset = await admin.client.request(
      'POST',
      `/nightshift/servicePrincipals/${child.body.appId}/resetSecret`,
    );
    assert.equal(reset.status, 200, reset.text);
    refused(
      await admin.client.request('POST', `/nightshift/servicePrincipals/${otherId}/resetSecret`),
      'Microsoft.Directory/servicePrincipals/resetSecret/action',
    );
  });
});

describe('audit names', () => {
  it('names the local owner the same way on token rows and call rows', async () => {
    const local = readLocalCredentials(server.dataDir);
    assert.ok(local);
    const me = await server.call('GET', `/nightshift/servicePrincipals/${local.clientId}`);
    const objectId = String(at(me.body, 'objectId'));
    const log = await server.call('GET', '/nightshift/auditLogs?limit=1000');
    const mine = (
      log.body as { value: { principal: string; principalId: string; action: string }[] }
    ).value.filter((e) => e.principalId === objectId);
    assert.ok(
      mine.some((e) => e.action === 'token/issue'),
      'the owner fetched tokens',
    );
    assert.ok(
      mine.some((e) => e.action.startsWith('Microsoft.')),
      'the owner made calls',
    );
    assert.deepEqual([...new Set(mine.map((e) => e.principal))], [String(at(me.body, 'localUser'))]);
  });
});
