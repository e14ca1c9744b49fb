/**
 * A real webhook receiver for tests: a node:http server on port 0 that records every request (headers,
 * raw body, arrival order) and answers each as the test's `answer` says: a status, or 'hang' (never
 * answer, until the receiver stops). Also the verification a receiver does, written as the README tells
 * users to write it, so the tests check what users will run.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() at arrival. */
  at: number;
  answered: boolean;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** The parsed bodies, in arrival order. */
  bodies(): unknown[];
  stop(): Promise<void>;
}

/** `answer(n)` decides the n-th request's (0-based) fate. */
export async function startReceiver(answer: (n: number) => number | 'hang' = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: Received = {
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: performance.now(),
        answered: false,
      };
      const decision = answer(received.length);
      received.push(entry);
      if (decision === 'hang') {
        hanging.push(res);
        return;
      }
      entry.answered = true;
      res.writeHead(decision).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks/nightshift`,
    received,
    bodies: () => received.map((r) => JSON.parse(r.body) as unknown),
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** What the README's receiver does: recompute HMAC-SHA256 over `<timestamp>.<body>` and compare. */
export function verifies(secret: string, r: Received): boolean {
  const timestamp = String(r.headers['x-nightshift-timestamp'] ?? '');
  const signature = String(r.headers['x-nightshift-signature'] ?? '');
  const expected = 'v1=' + createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex');
  return (
    signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
  );
}
