/**
 * The privilege escalations of issue 10, each tried by the principal that could do it on a5a53a1 and
 * each refused with its status, error code and an audit entry: a Contributor resets an Owner's secret
 * (and so becomes Owner); an AzureML Data Scientist registers a LocalFolder datastore over the data dir,
 * `/`, `/etc` or `/proc/self` and reads `credentials.json` and the signing key through it; a Reader, or
 * an invoker who did not start the job, downloads a job's outputs. Tokens for the roles come from service
 * principals the owner made, as `ad sp create-for-rbac` does.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { folderBody, Nightshift, smallFiles, type JobView } from '../helpers/jobs.ts';
import { errorCode, expectAudited, type RawReply } from '../helpers/security-http.ts';
import {
  grantRole,
  principalWithRole,
  startAttackServer,
  type AttackServer,
  type RolePrincipal,
  callAs,
} from '../helpers/security-principals.ts';

describe('privilege escalations', () => {
  let server: AttackServer;
  let ns: Nightshift;
  let contributor: RolePrincipal;
  let scientist: RolePrincipal;
  let reader: RolePrincipal;
  let victim: RolePrincipal;

  const call = (who: RolePrincipal | undefined, method: string, path: string, body?: unknown) =>
    callAs(server, who, method, path, body);

  /** `call`, expecting a refusal with this status and code that the audit log records. */
  async function refused(
    who: RolePrincipal | undefined,
    method: string,
    path: string,
    expected: { status: number; code: string },
    body?: unknown,
  ): Promise<RawReply> {
    const since = new Date().toISOString();
    const reply = await call(who, method, path, body);
    const label = `${who?.role ?? 'Owner'} ${method} ${path} -> ${reply.status} ${reply.text.slice(0, 300)}`;
    assert.equal(reply.status, expected.status, label);
    assert.equal(errorCode(reply.json), expected.code, label);
    const entry = await expectAudited(server.url, await server.owner('/nightshift/auditLogs'), {
      method,
      path,
      status: expected.status,
      since,
    });
    if (who) assert.equal(entry.principal, who.appId, JSON.stringify(entry));
    return reply;
  }

  before(async () => {
    server = await startAttackServer();
    ns = await Nightshift.connect(server.url);
    contributor = await principalWithRole(server, 'Contributor');
    scientist = await principalWithRole(server, 'AzureML Data Scientist');
    reader = await principalWithRole(server, 'Reader');
    victim = await principalWithRole(server, 'Owner');
  });

  after(async () => {
    await server.stop();
  });

  it("a Contributor cannot reset an Owner's secret, nor manage principals or identities", async () => {
    const reset = await refused(
      contributor,
      'POST',
      `/nightshift/servicePrincipals/${victim.appId}/resetSecret`,
      { status: 403, code: 'AuthorizationFailed' },
    );
    assert.ok(!reset.text.includes('password'), reset.text);
    // The Owner's own secret still works: it was not replaced.
    const still = await call(victim, 'GET', `${server.ws}/batchEndpoints`);
    assert.equal(still.status, 200, still.text);
    const forbidden = { status: 403, code: 'AuthorizationFailed' };
    await refused(contributor, 'DELETE', `/nightshift/servicePrincipals/${victim.appId}`, forbidden);
    await refused(contributor, 'POST', '/nightshift/servicePrincipals', forbidden, { displayName: 'mine' });
    await refused(contributor, 'POST', '/nightshift/managedIdentities', forbidden, { name: 'mine' });
    await refused(contributor, 'POST', '/nightshift/roleAssignments', forbidden, {
      assignee: contributor.appId,
      role: 'Owner',
    });
  });

  /** Host folders a LocalFolder datastore must never expose. */
  const hostRoots = (): string[] => [server.dataDir, '/', '/etc', '/proc/self', dirname(server.dataDir)];

  it('a Data Scientist cannot register a LocalFolder datastore, so reads no credentials', async () => {
    for (const [i, root] of hostRoots().entries()) {
      const path = `${server.ws}/datastores/hostroot${i}`;
      await refused(
        scientist,
        'PUT',
        path,
        { status: 403, code: 'AuthorizationFailed' },
        {
          properties: { datastoreType: 'LocalFolder', path: root },
        },
      );
      for (const file of ['credentials.json', 'keys', 'passwd', 'environ']) {
        const read = await call(scientist, 'GET', `${path}/paths/${file}`);
        assert.notEqual(read.status, 200, `${root}/${file} was readable: ${read.text.slice(0, 200)}`);
        assert.ok(!read.text.includes('clientSecret'), `${root}/${file} leaked a secret`);
      }
    }
    // Nor may it point an existing LocalFolder datastore somewhere else.
    const allowed = join(server.dataDir, 'datastores', 'team-share');
    mkdirSync(allowed, { recursive: true });
    const made = await call(undefined, 'PUT', `${server.ws}/datastores/teamshare`, {
      properties: { datastoreType: 'LocalFolder', path: allowed },
    });
    assert.equal(made.status, 201, made.text);
    await refused(
      scientist,
      'PUT',
      `${server.ws}/datastores/teamshare`,
      { status: 403, code: 'AuthorizationFailed' },
      {
        properties: { datastoreType: 'LocalFolder', path: server.dataDir },
      },
    );
  });

  it('not even the Owner may root a datastore at the data dir, an ancestor of it, / or /etc', async () => {
    for (const [i, root] of hostRoots().entries()) {
      await refused(
        undefined,
        'PUT',
        `${server.ws}/datastores/ownerroot${i}`,
        { status: 400, code: 'UserError' },
        {
          properties: { datastoreType: 'LocalFolder', path: root },
        },
      );
    }
  });

  describe('job outputs', () => {
    let endpoint: string;
    let scoringUri: string;
    let invokerA: RolePrincipal;
    let invokerB: RolePrincipal;
    let job: JobView;

    before(async () => {
      ({ endpoint, scoringUri } = await ns.deploy({ script: 'strings.ts' }));
      await ns.uploadFiles('inputs/outputs', smallFiles(2));
      const scope = `${server.ws}/batchEndpoints/${endpoint}`;
      invokerA = await principalWithRole(server, 'Batch Endpoint Invoker', scope);
      invokerB = await principalWithRole(server, 'Batch Endpoint Invoker', scope);
      // Jobs read and write data with the invoker's identity: both may use workspaceblobstore.
      for (const invoker of [invokerA, invokerB])
        await grantRole(
          server,
          invoker.appId,
          'Storage Blob Data Contributor',
          `${server.ws}/datastores/workspaceblobstore`,
        );
      const as = ns.as(invokerA.tokens);
      job = await as.waitForJob((await as.start(scoringUri, folderBody('inputs/outputs'))).name);
      assert.equal(job.properties.status, 'Completed');
    });

    const outputFile = () => {
      const uri = job.properties.outputData.score.uri;
      return `${server.ws}/datastores/workspaceblobstore/paths/${uri.replace(/^azureml:\/\/datastores\/[^/]+\/paths\//, '')}`;
    };

    it('a Reader downloads no job output through the datastore', async () => {
      assert.equal((await call(undefined, 'GET', outputFile())).status, 200);
      const reply = await refused(reader, 'GET', outputFile(), { status: 403, code: 'AuthorizationFailed' });
      assert.ok(!reply.text.includes('f000.txt'), reply.text);
    });

    it('the job outputs route serves those who may read the job, and only them', async () => {
      const route = `${server.ws}/jobs/${job.name}/outputs/score`;
      const mine = await call(invokerA, 'GET', route);
      assert.equal(mine.status, 200, `the invoker who started the job: ${mine.status} ${mine.text}`);
      assert.equal((await call(undefined, 'GET', route)).status, 200);
      await refused(reader, 'GET', route, { status: 403, code: 'AuthorizationFailed' });
      await refused(invokerB, 'GET', route, { status: 403, code: 'AuthorizationFailed' });
    });
  });
});
