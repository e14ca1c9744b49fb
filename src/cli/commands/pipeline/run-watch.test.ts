/**
 * Following a run: each activity is reported once when it starts and once when it ends, however many
 * polls see it; containers end after what ran inside them; child runs of ExecutePipeline are followed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ActivityRunView, PipelineRunView } from './pipeline-api.ts';
import { lastDescendantIndexes, watchRun, type RunReader } from './run-watch.ts';

const now = () => new Date(0);

function act(id: string, status: string, extra: Partial<ActivityRunView> = {}): ActivityRunView {
  return {
    activityRunId: id,
    activityName: id,
    activityType: 'Wait',
    status,
    durationInMs: status === 'InProgress' ? null : 10,
    ...extra,
  };
}

interface Poll {
  status: string;
  activities: Record<string, ActivityRunView[]>;
  runs?: PipelineRunView[];
}

/** A server whose state moves one poll forward each time the watched run is read. */
function scriptedServer(polls: Poll[]): RunReader {
  let at = -1;
  const current = () => polls[Math.min(at, polls.length - 1)] ?? { status: 'Queued', activities: {} };
  return {
    getRun(runId) {
      at += 1;
      return Promise.resolve({ runId, pipelineName: 'P', status: current().status });
    },
    activityRuns: (runId) => Promise.resolve(current().activities[runId] ?? []),
    queryRuns: () => Promise.resolve(current().runs ?? []),
  };
}

async function linesOf(polls: Poll[]) {
  const lines: string[] = [];
  const result = await watchRun(scriptedServer(polls), 'root', {
    intervalMs: 0,
    write: (line) => lines.push(line.replace(/^00:00:00 {2}|^\d\d:\d\d:\d\d {2}/, '')),
    now,
  });
  return { lines, result };
}

describe('watchRun', () => {
  it('reports a start and an end per activity, however many polls see it', async () => {
    const { lines, result } = await linesOf([
      { status: 'InProgress', activities: { root: [act('A', 'InProgress')] } },
      { status: 'InProgress', activities: { root: [act('A', 'InProgress')] } },
      { status: 'InProgress', activities: { root: [act('A', 'Succeeded'), act('B', 'InProgress')] } },
      {
        status: 'Failed',
        activities: {
          root: [act('A', 'Succeeded'), act('B', 'Failed', { error: { errorCode: 'E1', message: 'boom' } })],
        },
      },
    ]);
    assert.deepEqual(lines, [
      'A  Wait  InProgress',
      'A  Wait  Succeeded  10ms',
      'B  Wait  InProgress',
      'B  Wait  Failed  10ms  E1: boom',
    ]);
    assert.equal(result.stopped ? 'stopped' : result.run.status, 'Failed');
  });

  it('gives an activity that ended between polls its start line too, and a skipped one only its end', async () => {
    const { lines } = await linesOf([
      { status: 'Succeeded', activities: { root: [act('A', 'Succeeded'), act('B', 'Skipped')] } },
    ]);
    assert.deepEqual(lines, ['A  Wait  InProgress', 'A  Wait  Succeeded  10ms', 'B  Wait  Skipped  10ms']);
  });

  it('ends a container after the activities that ran inside it, indented under it', async () => {
    const loop = act('Loop', 'Succeeded', { activityType: 'ForEach' });
    const inner = (n: number) =>
      act(`Tick${n}`, 'Succeeded', { activityName: 'Tick', parentActivityRunId: 'Loop', iteration: n });
    const { lines } = await linesOf([
      { status: 'Succeeded', activities: { root: [loop, inner(1), inner(2)] } },
    ]);
    assert.deepEqual(lines, [
      'Loop  ForEach  InProgress',
      '  Tick [iteration 1]  Wait  InProgress',
      '  Tick [iteration 1]  Wait  Succeeded  10ms',
      '  Tick [iteration 2]  Wait  InProgress',
      '  Tick [iteration 2]  Wait  Succeeded  10ms',
      'Loop  ForEach  Succeeded  10ms',
    ]);
  });

  it('follows the child run an ExecutePipeline waits on, found by invokedBy while it runs', async () => {
    const input = { pipeline: { referenceName: 'Child' }, waitOnCompletion: true };
    const exec = (status: string, output?: unknown) =>
      act('Exec', status, { activityType: 'ExecutePipeline', input, output });
    const childRun = {
      runId: 'child',
      pipelineName: 'Child',
      status: 'InProgress',
      invokedBy: { id: 'Exec' },
    };
    const { lines } = await linesOf([
      {
        status: 'InProgress',
        activities: { root: [exec('InProgress')], child: [act('C', 'InProgress')] },
        runs: [childRun],
      },
      {
        status: 'Succeeded',
        activities: { root: [exec('Succeeded', { pipelineRunId: 'child' })], child: [act('C', 'Succeeded')] },
      },
    ]);
    assert.deepEqual(lines, [
      'Exec  ExecutePipeline  InProgress',
      '  C  Wait  InProgress',
      '  C  Wait  Succeeded  10ms',
      'Exec  ExecutePipeline  Succeeded  10ms',
    ]);
  });

  it('names the batch job an invoke started, once, right after the invoke ends', async () => {
    const job = {
      id: '/x/batchEndpoints/e/jobs/j1',
      name: 'j1',
      type: 'Microsoft.MachineLearningServices/workspaces/batchEndpoints/jobs',
    };
    const web = (id: string, method: string) =>
      act(id, 'Succeeded', { activityType: 'WebActivity', input: { method }, output: job });
    const { lines } = await linesOf([
      { status: 'InProgress', activities: { root: [web('Invoke', 'POST')] } },
      {
        status: 'Succeeded',
        activities: { root: [web('Invoke', 'POST'), web('Check', 'GET'), web('Again', 'POST')] },
      },
    ]);
    assert.deepEqual(lines, [
      'Invoke  WebActivity  InProgress',
      'Invoke  WebActivity  Succeeded  10ms',
      "Batch job j1 started; follow it with 'nightshift job stream -n j1'",
      'Check  WebActivity  InProgress',
      'Check  WebActivity  Succeeded  10ms',
      'Again  WebActivity  InProgress',
      'Again  WebActivity  Succeeded  10ms',
    ]);
  });

  it('stops watching, not the run, when aborted', async () => {
    const controller = new AbortController();
    const server = scriptedServer([{ status: 'InProgress', activities: {} }]);
    const watching = watchRun(server, 'root', {
      intervalMs: 60_000,
      signal: controller.signal,
      write: () => undefined,
    });
    setImmediate(() => {
      controller.abort();
    });
    const result = await watching;
    assert.equal(result.stopped, true);
    assert.equal(result.run?.status, 'InProgress');
  });
});

describe('lastDescendantIndexes', () => {
  it('finds the last record nested at any depth, with interleaved parallel containers', () => {
    const records = [
      act('A', 'Succeeded'),
      act('B', 'Succeeded'),
      act('a1', 'Succeeded', { parentActivityRunId: 'A' }),
      act('b1', 'Succeeded', { parentActivityRunId: 'B' }),
      act('a2', 'Succeeded', { parentActivityRunId: 'a1' }),
      act('C', 'Succeeded'),
    ];
    assert.deepEqual(lastDescendantIndexes(records), [4, 3, 4, 3, 4, 5]);
  });
});
