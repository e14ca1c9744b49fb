/** The factory path the CLI derives from the workspace, and the requests it sends for runs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiClient } from '../../client.ts';
import { factoryPathOf, pipelineApi } from './pipeline-api.ts';

const WS =
  '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/default';
const FACTORY = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.DataFactory/factories/default';

function recordingClient(answer: unknown) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  const client = {
    server: 'http://x',
    request(method: string, path: string, body?: unknown) {
      calls.push({ method, path, body });
      return Promise.resolve(answer);
    },
  } as unknown as ApiClient;
  return { client, calls };
}

describe('factoryPathOf', () => {
  it('swaps the workspace provider for the Data Factory one', () => {
    assert.equal(factoryPathOf(WS), FACTORY);
  });

  it('refuses an id that is not a workspace', () => {
    assert.throws(() => factoryPathOf('/subscriptions/s1/resourceGroups/rg'), /not a .*workspace/);
  });
});

describe('pipelineApi', () => {
  it('asks for text conversion only when told to, and encodes names', async () => {
    const { client, calls } = recordingClient({ runId: 'r' });
    const api = pipelineApi(client, FACTORY);
    await api.createRun('My pipe', { n: '1' }, true);
    await api.createRun('P', {}, false);
    assert.deepEqual(calls, [
      {
        method: 'POST',
        path: `${FACTORY}/pipelines/My%20pipe/createRun?textParameters=true`,
        body: { n: '1' },
      },
      { method: 'POST', path: `${FACTORY}/pipelines/P/createRun`, body: {} },
    ]);
  });

  it('sends only the filters given to queryPipelineRuns', async () => {
    const { client, calls } = recordingClient({ value: [{ runId: 'r' }] });
    const api = pipelineApi(client, FACTORY);
    assert.deepEqual(await api.queryRuns({ status: 'Failed' }), [{ runId: 'r' }]);
    await api.queryRuns({});
    assert.deepEqual(
      calls.map((call) => call.body),
      [{ filters: [{ operand: 'Status', operator: 'Equals', values: ['Failed'] }] }, { filters: [] }],
    );
  });
});
