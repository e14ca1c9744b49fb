/**
 * Tokens of a configured external issuer cannot stand for this server's own principals. The issuer here
 * is a second Nightshift in the same process (its discovery document and JWKS served for real); its
 * tokens are re-signed with its own key to carry the ids an issuer is free to put in them. On 8053f2c a
 * token whose `oid` was a local service principal's object id got that principal's role assignments, and
 * one whose `appid` was a local app id passed the invoker's own-jobs check on that principal's jobs,
 * which compared names. Now the first is a 401 (PrincipalConflict, audited) and the second a 403: own
 * jobs are compared by object id and an external actor names its issuer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requestToken } from '../../src/cli/credentials.ts';
import { servicePrincipalTokens } from '../helpers/auth.ts';
import { folderBody, Nightshift, smallFiles, type JobView } from '../helpers/jobs.ts';
import { at } from '../helpers/json.ts';
import { auditLog } from '../helpers/security-http.ts';
import { reSign } from '../helpers/security-principals.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const MGMT = 'https://management.azure.com';

describe('an external issuer cannot impersonate local principals', () => {
  let issuer: TestServer;
  let server: TestServer;
  let foreign: { appId: string; password: string; objectId: string };
  let local: { appId: string; password: string; objectId: string };
  let localJob: JobView;
  /** The endpoint's job list, where an endpoint-scoped invoker lists its jobs. */
  let jobList: string;

  /** A token of the external issuer for its principal, with the claims changed as the issuer may. */
  async function externalToken(change: Record<string, unknown> = {}): Promise<string> {
    const login = {
      server: issuer.url,
      tenant: 'nightshift',
      clientId: foreign.appId,
      clientSecret: foreign.password,
    };
    const { accessToken } = await requestToken(login, MGMT);
    return Object.keys(change).length === 0 ? accessToken : reSign(issuer.dataDir, accessToken, change);
  }

  async function assign(assignee: string, role: string, scope: string): Promise<void> {
    const reply = await server.call('POST', '/nightshift/roleAssignments', { assignee, role, scope });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
  }

  before(async () => {
    issuer = await startServer();
    foreign = (await issuer.call('POST', '/nightshift/servicePrincipals', { displayName: 'foreign' }))
      .body as typeof foreign;
    server = await startServer({
      env: { NIGHTSHIFT_OIDC_ISSUER: `${issuer.url}/nightshift/`, NIGHTSHIFT_OIDC_AUDIENCE: MGMT },
    });
    const owner = await Nightshift.connect(server.url);
    const { endpoint, scoringUri } = await owner.deploy({ script: 'strings.ts' });
    await owner.uploadFiles('inputs/ext', smallFiles(1));
    local = (await server.call('POST', '/nightshift/servicePrincipals', { displayName: 'local-invoker' }))
      .body as typeof local;
    const endpointScope = `${server.ws}/batchEndpoints/${endpoint}`;
    jobList = `${endpointScope}/jobs`;
    await assign(local.appId, 'Batch Endpoint Invoker', endpointScope);
    await assign(local.appId, 'Storage Blob Data Contributor', `${server.ws}/datastores/workspaceblobstore`);
    await assign(foreign.objectId, 'Batch Endpoint Invoker', endpointScope);
    const as = owner.as(servicePrincipalTokens(server.url, local.appId, local.password));
    localJob = await as.waitForJob((await as.start(scoringUri, folderBody('inputs/ext'))).name);
  });

  after(async () => {
    await server.stop();
    await issuer.stop();
  });

  it("refuses a token whose oid is a local principal's object id, with a 401 the audit log records", async () => {
    const since = new Date().toISOString();
    const token = await externalToken({ oid: local.objectId, appid: local.appId });
    const headers = { authorization: `Bearer ${token}` };
    const reply = await server.call('GET', `${server.ws}/jobs/${localJob.name}`, undefined, { headers });
    assert.equal(reply.status, 401, JSON.stringify(reply.body));
    assert.equal(at(reply.body, 'error.code'), 'PrincipalConflict');
    assert.match(String(at(reply.body, 'error.message')), /principal of this server/);
    const owner = await server.auth('/nightshift/auditLogs');
    const rows = await auditLog(server.url, owner, { result: 'Denied' });
    assert.ok(
      rows.some((r) => r.time >= since && r.status === 401 && r.path.endsWith(`/jobs/${localJob.name}`)),
      JSON.stringify(rows.slice(0, 3)),
    );
  });

  it("an external app naming a local app id does not read that principal's jobs", async () => {
    const token = await externalToken({ appid: local.appId, azp: local.appId });
    const headers = { authorization: `Bearer ${token}` };
    const job = await server.call('GET', `${server.ws}/jobs/${localJob.name}`, undefined, { headers });
    assert.equal(job.status, 403, JSON.stringify(job.body));
    const listed = await server.call('GET', jobList, undefined, { headers });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(at(listed.body, 'value[*].name'), []);
  });

  it('an external principal is recorded under a name that says its issuer', async () => {
    const headers = { authorization: `Bearer ${await externalToken()}` };
    const listed = await server.call('GET', jobList, undefined, { headers });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const refused = await server.call('POST', `${server.ws}/jobs/${localJob.name}/cancel`, undefined, {
      headers,
    });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    const rows = await auditLog(server.url, await server.auth('/nightshift/auditLogs'), { result: 'Denied' });
    const mine = rows.find((r) => r.path.endsWith(`/jobs/${localJob.name}/cancel`));
    assert.equal(mine?.principal, `${foreign.appId} (${issuer.url}/nightshift/)`);
  });
});
