/**
 * A pipeline run followed live over Server-Sent Events (`.../pipelineruns/{runId}/events`), as the
 * studio's run page follows it: snapshots of the run and its activity runs while it goes, the snapshot in
 * which it ended closing the stream, `Last-Event-ID` sparing a reconnect what it already has, refusals
 * (no token, a role without pipeline rights, a run that does not exist), a Reader seeing the run but not
 * its activity runs with the reason, and a SecureString run parameter never in the stream. Also the
 * filters of `queryPipelineRuns`, which a hostile body must not turn into a 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { servicePrincipalTokens } from '../helpers/auth.ts';
import { factoryPath, waitForRun } from '../helpers/factory.ts';
import { at } from '../helpers/json.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const SECRET = 'live-stream-secret-8642';

interface SseEvent {
  id: string;
  event: string;
  data: unknown;
}

interface Streamed {
  status: number;
  events: SseEvent[];
  text: string;
  /** The server ended the stream (rather than the test giving up). */
  ended: boolean;
}

interface Snapshot {
  run: { runId: string; status: string; parameters: Record<string, string> };
  activityRuns?: { activityName: string; status: string; input: unknown; output: unknown }[];
  activityRunsHidden?: string;
}

function parseEvents(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .map((block) => {
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
      }
      return fields;
    })
    .filter((f) => f.has('data'))
    .map((f) => ({
      id: f.get('id') ?? '',
      event: f.get('event') ?? '',
      data: JSON.parse(f.get('data') ?? '') as unknown,
    }));
}

/** Reads a stream until the server ends it or `timeoutMs` passes. */
async function follow(url: string, headers: Record<string, string>, timeoutMs = 20_000): Promise<Streamed> {
  const abort = new AbortController();
  const timer = setTimeout(() => {
    abort.abort();
  }, timeoutMs);
  let text = '';
  let ended = false;
  let status = 0;
  try {
    const response = await fetch(url, { headers, signal: abort.signal });
    status = response.status;
    const decoder = new TextDecoder();
    if (response.body) {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
      }
    }
    ended = true;
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
  }
  return { status, events: status === 200 ? parseEvents(text) : [], text, ended };
}

const stepsPipeline = {
  properties: {
    parameters: {
      secret: { type: 'SecureString', defaultValue: '' },
      pause: { type: 'int', defaultValue: 1 },
    },
    variables: { kept: { type: 'String' } },
    activities: [
      {
        name: 'Remember',
        type: 'SetVariable',
        typeProperties: { variableName: 'kept', value: "@concat(pipeline().parameters.secret, '!')" },
      },
      {
        name: 'Pause',
        type: 'Wait',
        dependsOn: [{ activity: 'Remember', dependencyConditions: ['Succeeded'] }],
        typeProperties: {
          waitTimeInSeconds: { value: '@pipeline().parameters.pause', type: 'Expression' },
        },
      },
    ],
  },
};

describe('a pipeline run, live', () => {
  let server: TestServer;
  let F: string;

  /** A service principal holding `role` at the workspace, and its management token header. */
  async function principal(role: string): Promise<Record<string, string>> {
    const created = await server.call('POST', '/nightshift/servicePrincipals', {
      displayName: `live-${role.replace(/\W+/g, '-').toLowerCase()}`,
    });
    const sp = created.body as { appId: string; password: string };
    const granted = await server.call('POST', '/nightshift/roleAssignments', {
      assignee: sp.appId,
      role,
      scope: server.ws,
    });
    assert.equal(granted.status, 201, JSON.stringify(granted.body));
    const token = await servicePrincipalTokens(server.url, sp.appId, sp.password).token(
      'https://management.azure.com',
    );
    return { authorization: `Bearer ${token}` };
  }

  async function startRun(): Promise<string> {
    const created = await server.call('POST', `${F}/pipelines/steps/createRun`, { secret: SECRET });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    return at(created.body, 'runId') as string;
  }

  const eventsUrl = (runId: string) =>
    `${server.url}${F}/pipelineruns/${runId}/events?api-version=2018-06-01`;

  before(async () => {
    server = await startServer();
    F = factoryPath(server.ws);
    const put = await server.call('PUT', `${F}/pipelines/steps`, stepsPipeline);
    assert.equal(put.status, 200, JSON.stringify(put.body));
  });
  after(async () => {
    await server.stop();
  });

  it('streams the run and its activity runs as they change; the run ending ends the stream', async () => {
    const runId = await startRun();
    const streamed = await follow(eventsUrl(runId), await server.auth(F));
    assert.equal(streamed.status, 200, streamed.text);
    assert.ok(streamed.ended, 'the server ended the stream');
    const snapshots = streamed.events.filter((e) => e.event === 'snapshot').map((e) => e.data as Snapshot);
    assert.ok(snapshots.length >= 2, `several snapshots while the run went on: ${snapshots.length}`);
    const first = snapshots[0];
    const last = snapshots.at(-1);
    assert.ok(first && last);
    assert.notEqual(first.run.status, 'Succeeded', 'the first snapshot shows the run still going');
    assert.equal(last.run.status, 'Succeeded');
    assert.deepEqual(
      last.activityRuns?.map((a) => [a.activityName, a.status]),
      [
        ['Remember', 'Succeeded'],
        ['Pause', 'Succeeded'],
      ],
    );
    // Each event's id is its version: no two events in a row carry the same state.
    const ids = streamed.events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(!streamed.text.includes(SECRET), 'the SecureString value is not in the stream');
    assert.equal(last.run.parameters.secret, '***');
  });

  it('resumes with Last-Event-ID: a reconnect is sent only what changed since', async () => {
    const runId = await startRun();
    await waitForRun(server, runId);
    const auth = await server.auth(F);
    const whole = await follow(eventsUrl(runId), auth);
    assert.equal(whole.events.length, 1, 'an ended run is one snapshot, then the end');
    const seen = whole.events[0]?.id ?? '';
    const again = await follow(eventsUrl(runId), { ...auth, 'last-event-id': seen });
    assert.equal(again.status, 200);
    assert.ok(again.ended);
    assert.deepEqual(again.events, [], 'nothing changed since the id the client holds');
    const stale = await follow(eventsUrl(runId), { ...auth, 'last-event-id': 'some-older-version' });
    assert.equal(stale.events.length, 1);
    assert.equal(stale.events[0]?.id, seen);
  });

  it('refuses callers without a token or without pipeline rights, and an unknown run is a 404', async () => {
    const runId = await startRun();
    const anonymous = await follow(eventsUrl(runId), {});
    assert.equal(anonymous.status, 401);
    const scientist = await follow(eventsUrl(runId), await principal('AzureML Data Scientist'));
    assert.equal(scientist.status, 403, scientist.text);
    assert.match(scientist.text, /pipelineruns\/read/);
    assert.ok(!scientist.text.includes(SECRET));
    const missing = await follow(eventsUrl('00000000-0000-0000-0000-000000000000'), await server.auth(F));
    assert.equal(missing.status, 404);
  });

  it('a Reader follows the run without its activity runs, and is told why', async () => {
    const runId = await startRun();
    const streamed = await follow(eventsUrl(runId), await principal('Reader'));
    assert.equal(streamed.status, 200, streamed.text);
    assert.ok(streamed.ended);
    const last = streamed.events.at(-1)?.data as Snapshot;
    assert.equal(last.run.status, 'Succeeded');
    assert.equal(last.activityRuns, undefined);
    assert.match(last.activityRunsHidden ?? '', /queryactivityruns\/action/);
    assert.ok(!streamed.text.includes(SECRET));
  });
});

describe('queryPipelineRuns filters', () => {
  let server: TestServer;
  let F: string;
  before(async () => {
    server = await startServer();
    F = factoryPath(server.ws);
  });
  after(async () => {
    await server.stop();
  });

  it('a malformed filter is a 400 naming the field, never a 500', async () => {
    const cases: [unknown, string][] = [
      [{ filters: [null] }, 'filters[0]'],
      [{ filters: [7] }, 'filters[0]'],
      [{ filters: 'PipelineName' }, 'filters'],
      [{ filters: [{ operand: 'RunStart', operator: 'Equals', values: ['x'] }] }, 'filters[0].operand'],
      [
        { filters: [{ operand: 'Status', operator: 'NotEquals', values: ['Failed'] }] },
        'filters[0].operator',
      ],
      [{ filters: [{ operand: 'Status', operator: { $ne: 1 }, values: ['Failed'] }] }, 'filters[0].operator'],
      [{ filters: [{ operand: 'Status', operator: 'Equals', values: [null] }] }, 'filters[0].values'],
      [{ filters: [{ operand: 'Status', operator: 'In', values: 'Failed' }] }, 'filters[0].values'],
      [[1, 2], 'body'],
    ];
    for (const [body, target] of cases) {
      const answer = await server.call('POST', `${F}/queryPipelineRuns`, body);
      assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
      assert.deepEqual(at(answer.body, 'error.details[].target'), [target], JSON.stringify(body));
    }
    const fine = await server.call('POST', `${F}/queryPipelineRuns`, {
      filters: [{ operand: 'Status', operator: 'In', values: ['Failed'] }],
    });
    assert.equal(fine.status, 200);
  });
});
