/**
 * A job reads and writes data with its invoker's identity, as in Azure. On 8053f2c a Batch Endpoint
 * Invoker, which holds no data action, could name any datastore as a job's input (and read the scored
 * copy through its own job's outputs) or as its output (and write into it). Each attempt here is refused
 * with a 403 naming the datastore and the storage role to grant, audited with the data action and the
 * datastore's scope, and nothing is created; with "Storage Blob Data Reader" on the input's datastore and
 * "Storage Blob Data Contributor" on the output's, assigned at the datastore's own scope, the same
 * invoker scores. The job outputs route serves only the job's own files, never what lies in the output
 * folder it picked.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { datastoreUri, folderBody, Nightshift, smallFiles } from '../helpers/jobs.ts';
import { errorCode, expectAudited } from '../helpers/security-http.ts';
import {
  grantRole,
  principalWithRole,
  startAttackServer,
  type AttackServer,
  type RolePrincipal,
  callAs,
} from '../helpers/security-principals.ts';

const READ = 'Microsoft.MachineLearningServices/workspaces/datastores/paths/read';
const WRITE = 'Microsoft.MachineLearningServices/workspaces/datastores/paths/write';

describe('job data is accessed with the invoker identity', () => {
  let server: AttackServer;
  let ns: Nightshift;
  let scoringUri: string;
  let endpoint: string;

  const call = (who: RolePrincipal | undefined, method: string, path: string, body?: unknown) =>
    callAs(server, who, method, path, body);

  /** A Batch Endpoint Invoker holding `storageRole` on workspaceblobstore only. */
  async function invokerWith(storageRole: string): Promise<RolePrincipal> {
    const invoker = await principalWithRole(server, 'Batch Endpoint Invoker', server.ws);
    await grantRole(server, invoker.appId, storageRole, `${server.ws}/datastores/workspaceblobstore`);
    return invoker;
  }

  /** An invoke refused with 403 naming the datastore and role, audited with the data action. */
  async function refusedInvoke(who: RolePrincipal, body: unknown, want: { store: string; action: string }) {
    const since = new Date().toISOString();
    const jobsBefore = await ns.jobCount();
    const reply = await call(who, 'POST', scoringUri, body);
    assert.equal(reply.status, 403, reply.text);
    assert.equal(errorCode(reply.json), 'AuthorizationFailed');
    const role = want.action === READ ? 'Storage Blob Data Reader' : 'Storage Blob Data Contributor';
    assert.match(reply.text, new RegExp(`datastore '${want.store}'`));
    assert.ok(reply.text.includes(role), reply.text);
    const entry = await expectAudited(server.url, await server.owner('/nightshift/auditLogs'), {
      method: 'POST',
      path: scoringUri,
      status: 403,
      since,
    });
    assert.equal(entry.action, want.action);
    assert.equal(entry.principal, who.appId);
    assert.equal(await ns.jobCount(), jobsBefore, 'a refused invoke created a job');
  }

  before(async () => {
    server = await startAttackServer();
    ns = await Nightshift.connect(server.url);
    ({ endpoint, scoringUri } = await ns.deploy({ script: 'strings.ts' }));
    scoringUri = new URL(scoringUri, server.url).pathname;
    await ns.uploadFiles('private/hr', { 'salaries.txt': 'alice 1000000' });
    await ns.uploadFiles('inputs/mine', smallFiles(2));
    mkdirSync(join(server.dataDir, 'datastores', 'other'), { recursive: true });
    writeFileSync(join(server.dataDir, 'datastores', 'other', 'keep.txt'), 'x');
    await ns.ok('PUT', `${ns.ws}/datastores/other`, {
      json: {
        properties: { datastoreType: 'LocalFolder', path: join(server.dataDir, 'datastores', 'other') },
      },
    });
    await ns.ok('PUT', `${ns.ws}/data/hr/versions/1`, {
      json: { properties: { dataType: 'uri_folder', dataUri: datastoreUri('private/hr') } },
    });
  });

  after(async () => {
    await server.stop();
  });

  it('an invoker without a storage role reads no datastore through a job input or a data asset', async () => {
    const invoker = await principalWithRole(
      server,
      'Batch Endpoint Invoker',
      `${server.ws}/batchEndpoints/${endpoint}`,
    );
    await refusedInvoke(invoker, folderBody('private/hr'), { store: 'workspaceblobstore', action: READ });
    const asset = { properties: { InputData: { x: { JobInputType: 'UriFolder', Uri: 'azureml:hr:1' } } } };
    await refusedInvoke(invoker, asset, { store: 'workspaceblobstore', action: READ });
  });

  it('reading the input is not enough: the default output datastore needs write', async () => {
    const invoker = await invokerWith('Storage Blob Data Reader');
    await refusedInvoke(invoker, folderBody('inputs/mine'), { store: 'workspaceblobstore', action: WRITE });
  });

  it('an invoker writes no output into a datastore it may not write', async () => {
    const invoker = await invokerWith('Storage Blob Data Contributor');
    const body = folderBody('inputs/mine', {
      OutputData: { score: { JobOutputType: 'UriFile', Uri: datastoreUri('planted/out.csv', 'other') } },
    });
    await refusedInvoke(invoker, body, { store: 'other', action: WRITE });
    const listed = await call(undefined, 'GET', `${server.ws}/datastores/other/paths/planted`);
    assert.equal(listed.status, 404, listed.text);
  });

  it('with the storage roles on the datastores it names, the invoker scores; the role reaches one datastore', async () => {
    const invoker = await invokerWith('Storage Blob Data Contributor');
    const as = ns.as(invoker.tokens);
    const job = await as.waitForJob((await as.start(scoringUri, folderBody('inputs/mine'))).name);
    assert.equal(job.properties.status, 'Completed', job.properties.result ?? '');
    const mine = await call(invoker, 'GET', `${server.ws}/datastores/workspaceblobstore/paths/inputs/mine`);
    assert.equal(mine.status, 200, mine.text);
    const other = await call(invoker, 'GET', `${server.ws}/datastores/other/paths/keep.txt`);
    assert.equal(other.status, 403, other.text);
  });

  it("a job's outputs route serves none of the files already in the output folder it picked", async () => {
    // The owner's job leaves predictions and a manifest in a folder; a hanging job of the invoker's names
    // the same folder (another file name) and asks its own outputs route for what is there.
    const done = await ns.run(
      scoringUri,
      folderBody('inputs/mine', {
        OutputData: { score: { JobOutputType: 'UriFile', Uri: datastoreUri('shared/owner.csv') } },
      }),
    );
    assert.equal(done.properties.status, 'Completed');
    const hanging = await ns.deploy({ script: 'hangs.ts', settings: { timeout: 'PT120S' } });
    const invoker = await invokerWith('Storage Blob Data Contributor');
    await ns.uploadFiles('inputs/hang', { 'hang.txt': 'x' });
    const as = ns.as(invoker.tokens);
    const job = await as.start(
      new URL(hanging.scoringUri, server.url).pathname,
      folderBody('inputs/hang', {
        OutputData: { score: { JobOutputType: 'UriFile', Uri: datastoreUri('shared/mine.csv') } },
      }),
    );
    const route = `${server.ws}/jobs/${job.name}/outputs/score`;
    const listed = await call(invoker, 'GET', route);
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual((listed.json as { value: unknown[] }).value, [], listed.text);
    const manifest = await call(invoker, 'GET', `${route}/paths/manifest.json`);
    assert.equal(manifest.status, 404, manifest.text);
    assert.ok(!manifest.text.includes(done.name), manifest.text);
    await ns.ok('POST', `${ns.ws}/jobs/${job.name}/cancel`);
    await ns.waitForJob(job.name);
  });
});
