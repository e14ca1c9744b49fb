/**
 * A real HTTPS server for the URL-input tests, with a certificate made at test time: openssl writes a
 * self-signed certificate for `localhost` and 127.0.0.1 into a temporary folder (removed by `stop`), and
 * the server answers with the handler the test gives. The certificate is its own CA, so a client that is
 * given `ca` (the server's --url-ca-file) trusts it and nothing else changes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface HttpsTestServer {
  /** `https://localhost:PORT` */
  url: string;
  port: number;
  /** The certificate (PEM), which is also its CA. */
  ca: string;
  /** The CA certificate's file, for a server's --url-ca-file; inside `dir`. */
  caFile: string;
  /** The server's temporary folder (key and certificate); removed by `stop`. */
  dir: string;
  /** Every request seen, as `METHOD /path`. */
  requests: string[];
  stop(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const run = promisify(execFile);

export async function startHttpsServer(handler: Handler): Promise<HttpsTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'nightshift-https-'));
  try {
    const key = join(dir, 'key.pem');
    const caFile = join(dir, 'cert.pem');
    await run('/usr/bin/openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      caFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    ]);
    const ca = readFileSync(caFile, 'utf8');
    const requests: string[] = [];
    const server = createServer({ key: readFileSync(key), cert: ca }, (req, res) => {
      requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return {
      url: `https://localhost:${port}`,
      port,
      ca,
      caFile,
      dir,
      requests,
      async stop() {
        server.closeAllConnections();
        await new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
