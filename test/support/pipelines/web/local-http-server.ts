/**
 * A real node:http server on an ephemeral port for the WebActivity tests: each test answers requests with
 * its own handler and then asserts on what actually arrived (method, path, headers, raw body bytes), so the
 * activity is tested over the wire rather than against a mocked fetch.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, as received. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type RequestHandler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface LocalServer {
  /** Base URL without a trailing slash. */
  url: string;
  requests: RecordedRequest[];
  /**
   * Resolves when the server has received its `count`-th request (1-based); rejects if `activity` settles
   * first, so a request that is never sent fails the test rather than hanging it.
   */
  received(count: number, activity?: Promise<unknown>): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export async function startLocalServer(handler: RequestHandler): Promise<LocalServer> {
  const requests: RecordedRequest[] = [];
  let waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const pending = waiters;
      waiters = [];
      for (const wake of pending) wake();
      Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async received(count, activity) {
      const arrived = (async () => {
        while (requests.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
        return requests[count - 1] as RecordedRequest;
      })();
      if (activity === undefined) return arrived;
      const settled = activity.then(
        () => undefined,
        () => undefined,
      );
      const first = await Promise.race([arrived, settled]);
      if (first === undefined) throw new Error(`the activity ended before request ${count} arrived`);
      return first;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}
