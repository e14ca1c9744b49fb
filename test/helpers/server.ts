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
import type { Clock } from '../../src/pipelines/time/clock.ts';
import { workspaceId } from '../../src/core/workspace.ts';
import { authHeader, ownerTokens, rememberDataDir } from './auth.ts';

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
  /**
   * Sends JSON (when `body` is given) to a path of the server as its local owner and parses the answer;
   * `headers` replace the owner's token (e.g. `{authorization: 'Bearer <other token>'}`, or `{}` via
   * `anonymous`).
   */
  call(
    method: string,
    path: string,
    body?: unknown,
    options?: { headers?: Record<string, string>; anonymous?: boolean },
  ): Promise<ApiResponse>;
  /** The local owner's Authorization header for a path, for tests that call fetch themselves. */
  auth(path: string): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startServer(
  options: {
    dataDir?: string;
    logLevel?: string;
    env?: Record<string, string>;
    /** The clock endpoint schedules fire on (a VirtualClock fires them on demand). */
    scheduleClock?: Clock;
  } = {},
): Promise<TestServer> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'nightshift-test-'));
  const config = loadConfig({
    flags: { dataDir, host: '127.0.0.1', port: '0', logLevel: options.logLevel ?? 'error' },
    env: options.env ?? {},
  });
  const app = await createApp(
    config,
    options.scheduleClock === undefined ? {} : { scheduleClock: options.scheduleClock },
  );
  const url = await app.start();
  rememberDataDir(url, dataDir);
  const tokens = ownerTokens(url);
  return {
    url,
    app,
    dataDir,
    ws: workspaceId(config.workspace),
    async call(method, path, body, callOptions = {}): Promise<ApiResponse> {
      const auth = callOptions.anonymous ? {} : (callOptions.headers ?? (await authHeader(tokens, path)));
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text ? (JSON.parse(text) as unknown) : undefined,
        headers: response.headers,
      };
    },
    auth: (path) => authHeader(tokens, path),
    async stop() {
      await app.stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
