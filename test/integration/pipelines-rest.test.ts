/**
 * The pipeline REST API as Data Factory clients use it: definitions validated on PUT with every problem
 * named, runs created with parameters (text or JSON), activity runs queried while the run goes on, a
 * pipeline's `concurrency` queueing further runs, cancel of running and queued runs, run queries by
 * pipeline and status, and a restart marking the runs it interrupted as Failed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { at } from '../helpers/json.ts';
import { factoryPath, waitForRun } from '../helpers/factory.ts';

interface Run {
  runId: string;
  status: string;
  message: string;
  parameters: Record<string, string>;
}

const waitPipeline = (seconds: number | string, extra: Record<string, unknown> = {}) => ({
  properties: {
    parameters: {
      seconds: { type: 'int', defaultValue: seconds },
      secret: { type: 'SecureString', defaultValue: '' },
    },
    activities: [
      {
        name: 'Sleep',
        type: 'Wait',
        typeProperties: {
          waitTimeInSeconds: { value: '@pipeline().parameters.seconds', type: 'Expression' },
        },
      },
    ],
    ...extra,
  },
});

describe('pipelines over REST', () => {
  let server: TestServer;
  let F: string;

  before(async () => {
    server = await startServer();
    F = factoryPath(server.ws);
  });

  after(async () => {
    await server.stop();
  });

  it('stores, lists, shows and deletes definitions; a bad one is a 400 naming each problem', async () => {
    const put = await server.call('PUT', `${F}/pipelines/short`, waitPipeline(0));
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(at(put.body, 'type'), 'Microsoft.DataFactory/factories/pipelines');
    assert.equal(at(put.body, 'id'), `${F}/pipelines/short`);
    assert.deepEqual(at((await server.call('GET', `${F}/pipelines`)).body, 'value[].name'), ['short']);
    const bad = await server.call('PUT', `${F}/pipelines/bad`, {
      properties: {
        activities: [
          { name: 'A', type: 'Wait', typeProperties: { waitTimeInSeconds: "@add(1,'" } },
          { name: 'B', type: 'Copy', dependsOn: [{ activity: 'A', dependencyConditions: ['Done'] }] },
        ],
      },
    });
    assert.equal(bad.status, 400);
    const targets = at(bad.body, 'error.details[].target') as string[];
    assert.ok(
      targets.some((t) => t.startsWith('A/')),
      targets.join(),
    );
    assert.ok(
      targets.some((t) => t.startsWith('B/')),
      targets.join(),
    );
    assert.equal((await server.call('GET', `${F}/pipelines/bad`)).status, 404);
    await server.call('PUT', `${F}/pipelines/doomed`, waitPipeline(0));
    assert.equal((await server.call('DELETE', `${F}/pipelines/doomed`)).status, 200);
    assert.equal((await server.call('GET', `${F}/pipelines/doomed`)).status, 404);
    const otherFactory = F.replace(/factories\/[^/]+$/, 'factories/elsewhere');
    assert.equal((await server.call('GET', `${otherFactory}/pipelines`)).status, 404);
  });

  it('creates a run with text parameters, masks secure ones, and refuses unknown ones', async () => {
    const created = await server.call('POST', `${F}/pipelines/short/createRun?textParameters=true`, {
      seconds: '0',
      secret: 'hunter22',
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const runId = at(created.body, 'runId') as string;
    const run = await waitForRun<Run>(server, runId);
    assert.equal(run.status, 'Succeeded', run.message);
    assert.deepEqual(run.parameters, { seconds: '0', secret: '***' });
    const unknown = await server.call('POST', `${F}/pipelines/short/createRun`, { nope: 1 });
    assert.equal(unknown.status, 400);
    assert.match(String(at(unknown.body, 'error.message')), /nope/);
    assert.equal(
      (await server.call('GET', `${F}/pipelineruns/00000000-0000-0000-0000-000000000000`)).status,
      404,
    );
  });

  it('queues runs beyond the concurrency, and cancels running and queued runs', async () => {
    await server.call('PUT', `${F}/pipelines/single`, waitPipeline(30, { concurrency: 1 }));
    const first = at(
      (await server.call('POST', `${F}/pipelines/single/createRun`, {})).body,
      'runId',
    ) as string;
    const second = at(
      (await server.call('POST', `${F}/pipelines/single/createRun`, {})).body,
      'runId',
    ) as string;
    const third = at(
      (await server.call('POST', `${F}/pipelines/single/createRun`, {})).body,
      'runId',
    ) as string;
    assert.equal(((await server.call('GET', `${F}/pipelineruns/${second}`)).body as Run).status, 'Queued');
    assert.equal((await server.call('POST', `${F}/pipelineruns/${third}/cancel`)).status, 200);
    assert.equal(((await server.call('GET', `${F}/pipelineruns/${third}`)).body as Run).status, 'Cancelled');
    assert.equal((await server.call('POST', `${F}/pipelineruns/${first}/cancel`)).status, 200);
    assert.equal(((await server.call('GET', `${F}/pipelineruns/${first}`)).body as Run).status, 'Cancelled');
    // The queued run starts once the first has ended.
    const started = await waitForRun<Run>(server, second, { until: (r) => r.status !== 'Queued' });
    assert.equal(started.status, 'InProgress');
    const activities = await server.call('POST', `${F}/pipelineruns/${second}/queryActivityruns`, {});
    assert.deepEqual(at(activities.body, 'value[].[activityName, status]'), [['Sleep', 'InProgress']]);
    await server.call('POST', `${F}/pipelineruns/${second}/cancel`);
    const again = await server.call('POST', `${F}/pipelineruns/${second}/cancel`);
    assert.equal(again.status, 409);
    const query = await server.call('POST', `${F}/queryPipelineRuns`, {
      filters: [
        { operand: 'PipelineName', operator: 'Equals', values: ['single'] },
        { operand: 'Status', operator: 'Equals', values: ['Cancelled'] },
      ],
    });
    assert.deepEqual((at(query.body, 'value[].runId') as string[]).sort(), [first, second, third].sort());
  });
});

describe('pipelines across a restart', () => {
  it('marks a run the server was executing as Failed at the next start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nightshift-pipeline-restart-'));
    let first: TestServer | undefined;
    try {
      first = await startServer({ dataDir });
      let server = first;
      const F = factoryPath(server.ws);
      await server.call('PUT', `${F}/pipelines/long`, waitPipeline(60));
      const runId = at(
        (await server.call('POST', `${F}/pipelines/long/createRun`, {})).body,
        'runId',
      ) as string;
      // Stopping cancels the run; pretend a crash instead by writing it back as it was while running.
      const running = (await server.call('GET', `${F}/pipelineruns/${runId}`)).body as Run;
      await server.stop();
      const { createSqliteStore } = await import('../../src/store/sqlite/sqlite-store.ts');
      const store = createSqliteStore(join(dataDir, 'metadata.db'));
      await store.pipelineRuns.saveRun({ ...running, pipelineName: 'long', status: 'InProgress' });
      await store.close();
      server = await startServer({ dataDir });
      try {
        const after = (await server.call('GET', `${F}/pipelineruns/${runId}`)).body as Run;
        assert.equal(after.status, 'Failed');
        assert.match(after.message, /server stopped/);
      } finally {
        await server.stop();
      }
    } finally {
      // A failure before its stop above must not leave the first server running (stopping twice is harmless).
      await first?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
