/**
 * A real Nightshift server for tests: `createApp(loadConfig(...))` with its own temporary data dir,
 * listening on a free port (0), plus a small JSON client for driving its REST API with fetch. Each test
 * file starts its own, so files run side by side without sharing state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { workspaceId } from '../../src/core/workspace.ts';

export interface ApiResponse<T = unknown> {
  status: number;
  /** Parsed JSON, or undefined for an empty body. */
  body: T;
  headers: Headers;
}

export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  app: App;
  dataDir: string;
  /** The workspace's ARM path, the prefix of every resource route. */
  ws: string;
  /** Sends JSON (when `body` is given) to a path of the server and parses the JSON answer. */
  call(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  stop(): Promise<void>;
}

export async function startServer(
  options: { dataDir?: string; logLevel?: string } = {},
): Promise<TestServer> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'nightshift-test-'));
  const config = loadConfig({
    flags: { dataDir, host: '127.0.0.1', port: '0', logLevel: options.logLevel ?? 'error' },
    env: {},
  });
  const app = await createApp(config);
  const url = await app.start();
  return {
    url,
    app,
    dataDir,
    ws: workspaceId(config.workspace),
    async call(method: string, path: string, body?: unknown): Promise<ApiResponse> {
      const response = await fetch(`${url}${path}`, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text ? (JSON.parse(text) as unknown) : undefined,
        headers: response.headers,
      };
    },
    async stop() {
      await app.stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
