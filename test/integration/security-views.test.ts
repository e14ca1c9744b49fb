/**
 * What views show (issue 10): a failed job's error carries the script's message and its own traceback
 * with datastore paths, but no frame of the server's source, no Node internals, no path of the server's
 * checkout or data dir, in any view (management, data plane, lists) and to the invoker who started it;
 * and SecureString values of a pipeline (inline in an activity, parameter defaults, run parameters) are
 * stored sealed and shown as `***`, never as given.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { folderBody, Nightshift } from '../helpers/jobs.ts';
import { internalsIn, raw } from '../helpers/security-http.ts';
import {
  grantRole,
  principalWithRole,
  startAttackServer,
  type AttackServer,
} from '../helpers/security-principals.ts';

const FAILING_RUN = `export function run(miniBatch) {
  throw new Error('cannot score ' + miniBatch.length + ' file(s)');
}
`;
const FAILING_INIT = `export function init() {
  throw new Error('init refused');
}
export function run(miniBatch) {
  return miniBatch;
}
`;

/** Files under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) found.push(...filesContaining(file, needle));
    else if (readFileSync(file).includes(needle)) found.push(file);
  }
  return found;
}

describe('views show no internals and no secrets', () => {
  let server: AttackServer;
  let ns: Nightshift;

  before(async () => {
    server = await startAttackServer();
    ns = await Nightshift.connect(server.url);
    await ns.uploadFiles('inputs/views', { 'a.txt': 'a\n', 'b.txt': 'b\n' });
  });

  after(async () => {
    await server.stop();
  });

  it("a failed job's error shows the script's message, no server or worker paths", async () => {
    for (const [file, source, expected] of [
      ['fails.js', FAILING_RUN, /cannot score/],
      ['init-fails.js', FAILING_INIT, /init refused/],
    ] as const) {
      const { endpoint, scoringUri } = await ns.deploy({
        script: { file, source },
        settings: { errorThreshold: 0 },
      });
      const invoker = await principalWithRole(
        server,
        'Batch Endpoint Invoker',
        `${server.ws}/batchEndpoints/${endpoint}`,
      );
      await grantRole(
        server,
        invoker.appId,
        'Storage Blob Data Contributor',
        `${server.ws}/datastores/workspaceblobstore`,
      );
      const as = ns.as(invoker.tokens);
      const job = await as.waitForJob((await as.start(scoringUri, folderBody('inputs/views'))).name);
      assert.equal(job.properties.status, 'Failed');
      assert.match(JSON.stringify(job.properties.error), expected);
      const views = [
        `${server.ws}/jobs/${job.name}`,
        `${server.ws}/jobs`,
        `${server.ws}/batchEndpoints/${endpoint}/jobs/${job.name}`,
        `${scoringUri}/${job.name}`,
        scoringUri,
      ];
      for (const view of views) {
        const path = view.replace(server.url, '');
        // The invoker's role is on the endpoint: the workspace-wide list is the owner's to read.
        const headers = [await server.owner(path)];
        if (path !== `${server.ws}/jobs`) headers.push(await invoker.header(path));
        for (const header of headers) {
          const reply = await raw(server.url, { method: 'GET', path, headers: header });
          assert.equal(reply.status, 200, reply.text);
          const shown = internalsIn(reply.text, server);
          assert.deepEqual(
            shown,
            [],
            `${file}: GET ${path} shows ${shown.join(', ')}: ${reply.text.slice(0, 2000)}`,
          );
        }
      }
    }
  });

  const SECRETS = {
    inline: `inline-${Math.random().toString(36).slice(2)}`,
    fallback: `default-${Math.random().toString(36).slice(2)}`,
    run: `run-${Math.random().toString(36).slice(2)}`,
  };

  it('SecureString values are stored sealed and shown as ***', async () => {
    const factory = server.ws.replace(
      'Microsoft.MachineLearningServices/workspaces',
      'Microsoft.DataFactory/factories',
    );
    const definition = {
      properties: {
        parameters: { token: { type: 'SecureString', defaultValue: SECRETS.fallback } },
        activities: [
          {
            name: 'Call',
            type: 'WebActivity',
            dependsOn: [{ activity: 'Pause', dependencyConditions: ['Failed'] }],
            typeProperties: {
              method: 'GET',
              url: 'https://example.invalid/',
              authentication: {
                type: 'ServicePrincipal',
                tenant: 't',
                servicePrincipalId: 'c',
                servicePrincipalKey: { type: 'SecureString', value: SECRETS.inline },
                resource: 'https://example.invalid',
              },
            },
          },
          { name: 'Pause', type: 'Wait', typeProperties: { waitTimeInSeconds: 0 } },
        ],
      },
    };
    const path = `${factory}/pipelines/sealed`;
    const put = await ns.request('PUT', path, { json: definition });
    assert.equal(put.status, 200, put.text);
    for (const view of [
      put.text,
      (await ns.request('GET', path)).text,
      (await ns.request('GET', `${factory}/pipelines`)).text,
    ]) {
      for (const secret of [SECRETS.inline, SECRETS.fallback])
        assert.ok(!view.includes(secret), `a SecureString value is shown: ${view}`);
      assert.match(view, /\*\*\*/);
    }
    const run = await ns.request<{ runId: string }>('POST', `${path}/createRun`, {
      json: { token: SECRETS.run },
    });
    assert.equal(run.status, 200, run.text);
    const runId = run.body.runId;
    const shown = [
      (await ns.request('GET', `${factory}/pipelineruns/${runId}`)).text,
      (await ns.request('POST', `${factory}/pipelineruns/${runId}/queryActivityruns`, { json: {} })).text,
    ].join('\n');
    for (const secret of Object.values(SECRETS)) assert.ok(!shown.includes(secret), `shown: ${shown}`);
    for (const secret of Object.values(SECRETS)) {
      const files = filesContaining(server.dataDir, secret);
      assert.deepEqual(files, [], `a SecureString value is stored in clear text in ${files.join(', ')}`);
    }
  });
});
