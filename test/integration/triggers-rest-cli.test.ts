/**
 * Data Factory triggers on a real server, driven as a user would: a TumblingWindowTrigger created and
 * started with the CLI backfills the windows since its startTime and hands each run its window; a
 * BlobEventsTrigger on the workspace's datastore runs a pipeline once per new CSV dropped into a folder;
 * a ScheduleTrigger fires at the next minute with its scheduled time; Data Factory's rules (a started
 * trigger is stopped before it changes or goes), bad bodies as 400s naming the field, and a Reader that may
 * read triggers but neither create, start nor query their runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jsonOf, runCli, type CliResult } from '../helpers/cli.ts';
import { factoryPath } from '../helpers/factory.ts';
import { servicePrincipalTokens } from '../helpers/auth.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

let server: TestServer;
let scratch: string;
let df: string;

interface TriggerRun {
  triggerRunId: string;
  triggerName: string;
  status: string;
  pipelineRunId: string;
  properties: Record<string, string>;
}

interface PipelineRun {
  runId: string;
  status: string;
  parameters: Record<string, string>;
  invokedBy: { name: string; invokedByType: string };
}

/** Records what the trigger handed the run: its parameters and `pipeline()` trigger values. */
const ECHO = {
  properties: {
    parameters: { first: { type: 'string' }, second: { type: 'string', defaultValue: '' } },
    variables: { seen: { type: 'String' } },
    activities: [
      {
        name: 'Remember',
        type: 'SetVariable',
        typeProperties: {
          variableName: 'seen',
          value: {
            value:
              "@concat(pipeline().TriggerType, '|', pipeline().TriggerName, '|', pipeline().parameters.first)",
            type: 'Expression',
          },
        },
      },
    ],
  },
};

before(async () => {
  server = await startServer();
  scratch = mkdtempSync(join(tmpdir(), 'nightshift-triggers-'));
  df = factoryPath(server.ws);
  const put = await server.call('PUT', `${df}/pipelines/Echo`, ECHO);
  assert.equal(put.status, 200, JSON.stringify(put.body));
});

after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, { server: server.url });
}

function file(name: string, document: unknown): string {
  const path = join(scratch, name);
  writeFileSync(path, JSON.stringify(document, null, 2));
  return path;
}

async function triggerRuns(trigger: string): Promise<TriggerRun[]> {
  return jsonOf(
    await cli('pipeline', 'trigger-run', 'list', '--trigger', trigger, '-o', 'json'),
  ) as TriggerRun[];
}

async function pipelineRun(runId: string): Promise<PipelineRun> {
  const reply = await server.call('GET', `${df}/pipelineruns/${runId}`);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body as PipelineRun;
}

const echo = (parameters: Record<string, string>) => ({
  pipelineReference: { referenceName: 'Echo', type: 'PipelineReference' },
  parameters,
});

describe('a tumbling window trigger from the CLI', () => {
  it('backfills the windows since startTime, each run with its window', async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const trigger = file('tw.json', {
      name: 'every-minute',
      properties: {
        type: 'TumblingWindowTrigger',
        typeProperties: {
          frequency: 'Minute',
          interval: 1,
          startTime: new Date(minute - 3 * 60_000).toISOString(),
          endTime: new Date(minute).toISOString(),
          maxConcurrency: 2,
        },
        pipeline: echo({
          first: '@trigger().outputs.windowStartTime',
          second: '@trigger().outputs.windowEndTime',
        }),
      },
    });
    const created = jsonOf(await cli('pipeline', 'trigger', 'create', '-f', trigger, '-o', 'json')) as {
      properties: { runtimeState: string };
    };
    assert.equal(created.properties.runtimeState, 'Stopped');
    const started = jsonOf(await cli('pipeline', 'trigger', 'start', '-n', 'every-minute', '-o', 'json')) as {
      properties: { runtimeState: string };
    };
    assert.equal(started.properties.runtimeState, 'Started');
    const runs = await waitFor('three Succeeded windows', () => triggerRuns('every-minute'), {
      until: (r) => r.length === 3 && r.every((x) => x.status === 'Succeeded'),
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    const windows = runs.map((r) => r.properties['WindowStartTime']).sort();
    assert.deepEqual(
      windows,
      [3, 2, 1].map((m) => new Date(minute - m * 60_000).toISOString().replace('.000Z', '.0000000Z')),
    );
    for (const run of runs) {
      const pipeline = await pipelineRun(run.pipelineRunId);
      assert.equal(pipeline.invokedBy.invokedByType, 'TumblingWindowTrigger');
      assert.equal(pipeline.invokedBy.name, 'every-minute');
      assert.equal(pipeline.parameters['first'], run.properties['WindowStartTime']);
      assert.equal(pipeline.parameters['second'], run.properties['WindowEndTime']);
      const activities = await server.call(
        'POST',
        `${df}/pipelineruns/${run.pipelineRunId}/queryActivityruns`,
        {},
      );
      const output = (activities.body as { value: { output: { value: string } }[] }).value[0]?.output;
      assert.equal(output?.value, `TumblingWindowTrigger|every-minute|${run.properties['WindowStartTime']}`);
    }
    const table = await cli('pipeline', 'trigger', 'list', '-o', 'table');
    assert.match(table.stdout, /every-minute\s+TumblingWindowTrigger\s+Started\s+Echo/);
  });

  it('refuses changes and deletion while started, as Data Factory does', async () => {
    const show = jsonOf(await cli('pipeline', 'trigger', 'show', '-n', 'every-minute', '-o', 'json')) as {
      properties: unknown;
    };
    const put = await server.call('PUT', `${df}/triggers/every-minute`, { properties: show.properties });
    assert.equal(put.status, 409);
    assert.match(JSON.stringify(put.body), /stop it before changing it/);
    assert.equal((await server.call('DELETE', `${df}/triggers/every-minute`)).status, 409);
    assert.equal((await cli('pipeline', 'trigger', 'stop', '-n', 'every-minute')).code, 0);
    assert.equal((await cli('pipeline', 'trigger', 'delete', '-n', 'every-minute', '--yes')).code, 0);
    assert.equal((await server.call('GET', `${df}/triggers/every-minute`)).status, 404);
  });
});

describe('a storage-event trigger on a datastore', () => {
  it('runs the pipeline once for each new CSV, with its folder and file name', async () => {
    const put = await server.call('PUT', `${df}/triggers/new-csv`, {
      properties: {
        type: 'BlobEventsTrigger',
        typeProperties: {
          scope: 'workspaceblobstore',
          events: ['Microsoft.Storage.BlobCreated'],
          blobPathBeginsWith: '/data/blobs/drops/',
          blobPathEndsWith: '.csv',
          ignoreEmptyBlobs: true,
        },
        pipelines: [echo({ first: '@triggerBody().fileName', second: '@triggerBody().folderPath' })],
      },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal((await server.call('POST', `${df}/triggers/new-csv/start`)).status, 200);
    const upload = async (path: string, text: string) => {
      const reply = await fetch(`${server.url}${server.ws}/datastores/workspaceblobstore/paths/${path}`, {
        method: 'PUT',
        headers: { ...(await server.auth(server.ws)), 'content-type': 'application/octet-stream' },
        body: text,
      });
      assert.ok(reply.ok, await reply.text());
    };
    await upload('drops/a.csv', 'x\n1\n');
    await upload('drops/day2/b.csv', 'x\n2\n');
    await upload('drops/readme.txt', 'not a csv');
    await upload('elsewhere/c.csv', 'x\n3\n');
    const runs = await waitFor('two storage-event runs', () => triggerRuns('new-csv'), {
      until: (r) => r.length === 2 && r.every((x) => x.status === 'Succeeded'),
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    const seen = await Promise.all(runs.map(async (r) => (await pipelineRun(r.pipelineRunId)).parameters));
    assert.deepEqual(seen.map((p) => `${p['second']}/${p['first']}`).sort(), [
      'data/drops/a.csv',
      'data/drops/day2/b.csv',
    ]);
    // Several polls later, still once each.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.equal((await triggerRuns('new-csv')).length, 2);
    await upload('drops/c.csv', 'x\n4\n');
    await waitFor('the third file', () => triggerRuns('new-csv'), {
      until: (r) => r.length === 3,
      timeoutMs: 30_000,
    });
  });
});

describe('a schedule trigger', () => {
  it('fires at the next minute with its scheduled time, and rerun fires it again', async () => {
    const put = await server.call('PUT', `${df}/triggers/minutely`, {
      properties: {
        type: 'ScheduleTrigger',
        typeProperties: {
          recurrence: {
            frequency: 'Minute',
            interval: 1,
            startTime: '2024-01-01T00:00:00Z',
            timeZone: 'UTC',
          },
        },
        pipelines: [echo({ first: '@trigger().scheduledTime', second: '@trigger().startTime' })],
      },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const next = (put.body as { nextFireTimes: string[] }).nextFireTimes;
    assert.equal(next.length, 5);
    assert.ok(next.every((t) => t.endsWith(':00.000Z')));
    assert.equal(Date.parse(next[1] ?? '') - Date.parse(next[0] ?? ''), 60_000);
    assert.equal((await server.call('POST', `${df}/triggers/minutely/start`)).status, 200);
    const [run] = await waitFor('a scheduled run', () => triggerRuns('minutely'), {
      until: (r) => r.length >= 1 && r[0]?.status === 'Succeeded',
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    assert.ok(run);
    const pipeline = await pipelineRun(run.pipelineRunId);
    assert.equal(pipeline.invokedBy.invokedByType, 'ScheduleTrigger');
    assert.match(pipeline.parameters['first'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.0000000Z$/);
    assert.equal(pipeline.parameters['first'], run.properties['ScheduledTime']);
    const rerun = jsonOf(
      await cli(
        'pipeline',
        'trigger-run',
        'rerun',
        '--trigger',
        'minutely',
        '--run-id',
        run.triggerRunId,
        '-o',
        'json',
      ),
    ) as TriggerRun;
    assert.notEqual(rerun.pipelineRunId, run.pipelineRunId);
    assert.equal(
      (await pipelineRun(rerun.pipelineRunId)).parameters['first'],
      run.properties['ScheduledTime'],
    );
    assert.equal((await server.call('POST', `${df}/triggers/minutely/stop`)).status, 200);
  });
});

describe('bad input and access', () => {
  it('answers a bad trigger with a 400 naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ properties: { type: 'CronTrigger', typeProperties: {} } }, /properties\.type/],
      [
        { properties: { type: 'TumblingWindowTrigger', typeProperties: { frequency: 'Day', interval: 1 } } },
        /typeProperties\.frequency/,
      ],
      [
        {
          properties: {
            type: 'BlobEventsTrigger',
            typeProperties: { scope: 'no-such-store', events: ['Microsoft.Storage.BlobCreated'] },
            pipelines: [echo({ first: 'x' })],
          },
        },
        /no-such-store/,
      ],
      [
        {
          properties: {
            type: 'ScheduleTrigger',
            typeProperties: {
              recurrence: { frequency: 'Day', interval: 1, startTime: '2024-01-01T00:00:00Z' },
            },
            pipelines: [{ pipelineReference: { referenceName: 'Missing' } }],
          },
        },
        /Missing/,
      ],
    ];
    for (const [body, message] of cases) {
      const reply = await server.call('PUT', `${df}/triggers/bad`, body);
      assert.ok([400, 404].includes(reply.status), `${reply.status} ${JSON.stringify(reply.body)}`);
      assert.match(JSON.stringify(reply.body), message);
    }
    const query = await server.call('POST', `${df}/queryTriggerRuns`, { filters: [] });
    assert.equal(query.status, 400);
    assert.match(JSON.stringify(query.body), /lastUpdatedAfter/);
  });

  it('lets a Reader read triggers but not create, start or query runs', async () => {
    const sp = await server.call('POST', '/nightshift/servicePrincipals', { displayName: 'trigger-reader' });
    const { appId, password } = sp.body as { appId: string; password: string };
    const role = await server.call('POST', '/nightshift/roleAssignments', {
      assignee: appId,
      role: 'Reader',
      scope: server.ws,
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    const token = await servicePrincipalTokens(server.url, appId, password).token(
      'https://management.azure.com',
    );
    const headers = { authorization: `Bearer ${token}` };
    assert.equal((await server.call('GET', `${df}/triggers`, undefined, { headers })).status, 200);
    const body = { properties: { type: 'ScheduleTrigger', typeProperties: {} } };
    assert.equal((await server.call('PUT', `${df}/triggers/evil`, body, { headers })).status, 403);
    assert.equal(
      (await server.call('POST', `${df}/triggers/new-csv/stop`, undefined, { headers })).status,
      403,
    );
    const query = { lastUpdatedAfter: '2000-01-01T00:00:00Z', lastUpdatedBefore: '2100-01-01T00:00:00Z' };
    assert.equal((await server.call('POST', `${df}/queryTriggerRuns`, query, { headers })).status, 403);
    assert.equal((await server.call('GET', `${df}/triggers/evil`)).status, 404);
  });
});
