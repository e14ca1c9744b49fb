/**
 * A small HTTP proxy in front of a real storage server (Azurite, s3rver) that injects the faults a
 * storage account shows under load: for the requests a rule matches, an error answer in the service's
 * own form (status, `x-ms-error-code` header and XML body: 503 ServerBusy, 500 InternalError, ...), or a
 * connection dropped after the headers and part of the body. Everything else passes through untouched,
 * so shared-key signatures (computed over path and headers, not the host) stay valid. Datastores point
 * their `endpoint` at `accountUrl` to go through it.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultRule {
  /** Matched against `METHOD /path` of each request (query string excluded). */
  match: RegExp;
  /** How many matching requests fail; Infinity for a fault that never passes. */
  times: number;
  /** An error answer, or 'drop' to cut the connection partway through the real answer's body. */
  fault: { status: number; code: string } | 'drop';
}

export interface FaultyProxy {
  /** The proxied account's URL (the target's path prefix kept), for a datastore's `endpoint`. */
  accountUrl: string;
  /** Adds a rule; returns a counter of the faults it has injected so far. */
  fail(rule: FaultRule): { injected: () => number };
  /** Requests seen that matched `match`, faulted or not. */
  seen(match: RegExp): number;
  stop(): Promise<void>;
}

function errorBody(code: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>Injected by the test proxy.</Message></Error>`;
}

/** `target` is an account URL such as Azurite's `http://127.0.0.1:PORT/devstoreaccount1`. */
export async function startFaultyProxy(target: string): Promise<FaultyProxy> {
  const upstream = new URL(target);
  const rules: { rule: FaultRule; injected: number }[] = [];
  const log: string[] = [];

  function forward(req: IncomingMessage, res: ServerResponse, drop: boolean): void {
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (!drop) {
          answer.pipe(res);
          return;
        }
        // Half a body, then the connection goes: what a reset mid-download looks like to the client.
        answer.once('data', (chunk: Buffer) => {
          res.write(chunk.subarray(0, Math.max(1, Math.floor(chunk.length / 2))));
          setImmediate(() => res.socket?.destroy());
          answer.resume();
        });
        answer.once('end', () => res.socket?.destroy());
      },
    );
    out.on('error', () => res.socket?.destroy());
    req.pipe(out);
  }

  const server = createServer((req, res) => {
    const line = `${req.method ?? 'GET'} ${(req.url ?? '/').split('?')[0] ?? '/'}`;
    log.push(line);
    const hit = rules.find((r) => r.rule.match.test(line) && r.injected < r.rule.times);
    if (hit) hit.injected++;
    const fault = hit?.rule.fault;
    if (fault === undefined || fault === 'drop') {
      forward(req, res, fault === 'drop');
      return;
    }
    req.resume();
    const body = errorBody(fault.code);
    res.writeHead(fault.status, {
      'content-type': 'application/xml',
      'x-ms-error-code': fault.code,
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    accountUrl: `http://127.0.0.1:${String(port)}${upstream.pathname.replace(/\/+$/, '')}`,
    fail(rule) {
      const entry = { rule, injected: 0 };
      rules.push(entry);
      return { injected: () => entry.injected };
    },
    seen: (match) => log.filter((line) => match.test(line)).length,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
