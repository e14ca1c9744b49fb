/**
 * The Data Factory side of a test server: the factory's ARM path (beside the workspace's) and waiting for
 * a pipeline run, bounded, with the run's last status in the failure.
 */
import type { TestServer } from './server.ts';
import { waitFor } from './wait.ts';

/** The factory's ARM path for a workspace path: `.../Microsoft.DataFactory/factories/NAME`. */
export function factoryPath(ws: string): string {
  return ws.replace('Microsoft.MachineLearningServices/workspaces', 'Microsoft.DataFactory/factories');
}

/** The statuses of a pipeline run that has not ended. */
const RUN_PENDING: readonly string[] = ['Queued', 'InProgress', 'Canceling'];

/**
 * Polls a pipeline run until `until` holds (by default: until it has ended) and returns it; fails the test
 * after `timeoutMs` with the run's last status and message.
 */
export function waitForRun<R extends { status: string }>(
  server: TestServer,
  runId: string,
  options: { until?: (run: R) => boolean; timeoutMs?: number } = {},
): Promise<R> {
  const path = `${factoryPath(server.ws)}/pipelineruns/${runId}`;
  return waitFor(`pipeline run ${runId}`, async () => (await server.call('GET', path)).body as R, {
    until: options.until ?? ((run) => !RUN_PENDING.includes(run.status)),
    timeoutMs: options.timeoutMs ?? 60_000,
    intervalMs: 50,
    show: (run) => JSON.stringify(run).slice(0, 500),
  });
}
