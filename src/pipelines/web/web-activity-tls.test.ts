/**
 * The TLS features the global fetch cannot do per request (spec §2.7.1): `disableCertValidation` and
 * ClientCertificate authentication, against a real local HTTPS server whose certificate no one trusts and
 * which reports the client certificate it was shown.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { ActivityFailure } from '../runner/activity-failure.ts';
import {
  TEST_CA_CERT,
  TEST_CLIENT_COMMON_NAME,
  TEST_CLIENT_PFX_BASE64,
  TEST_CLIENT_PFX_PASSWORD,
  TEST_SERVER_CERT,
  TEST_SERVER_KEY,
} from '../../../test/support/pipelines/web/tls-fixtures.ts';
import { testDeps } from '../../../test/support/pipelines/web/web-deps.ts';
import { runWebActivity } from './web-activity.ts';

let server: Server;
let baseUrl: string;

before(async () => {
  server = createServer(
    {
      cert: TEST_SERVER_CERT,
      key: TEST_SERVER_KEY,
      ca: TEST_CA_CERT,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const socket = request.socket;
        assert.ok(socket instanceof TLSSocket);
        // Without a client certificate the peer certificate is an empty object.
        const peer: Partial<ReturnType<TLSSocket['getPeerCertificate']>> = socket.getPeerCertificate();
        response.writeHead(200, { 'Content-Type': 'application/json', 'X-Custom': 'yes' });
        response.end(
          JSON.stringify({
            clientAuthorized: socket.authorized,
            clientName: peer.subject?.CN ?? null,
            method: request.method,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
});

const clientCertificate = {
  type: 'ClientCertificate',
  pfx: { type: 'SecureString', value: TEST_CLIENT_PFX_BASE64 },
  password: { type: 'SecureString', value: TEST_CLIENT_PFX_PASSWORD },
};

test('an untrusted server certificate fails the call with 2108', async () => {
  const error: unknown = await runWebActivity({ method: 'GET', url: `${baseUrl}/x` }, testDeps()).catch(
    (e: unknown) => e,
  );
  assert.ok(error instanceof ActivityFailure);
  assert.equal(error.errorCode, '2108');
  assert.match(error.message, /'NA - Unknown'.*certificate/i);
});

test('disableCertValidation accepts it, and the body and headers still go through', async () => {
  const props = { method: 'POST', url: `${baseUrl}/x`, body: 'raw text', disableCertValidation: true };
  const { output } = await runWebActivity(props, testDeps());
  assert.equal(output.method, 'POST');
  assert.equal(output.body, 'raw text');
  assert.equal(output.clientAuthorized, false);
  assert.equal((output.ADFWebActivityResponseHeaders as Record<string, string>)['x-custom'], 'yes');
});

test('ClientCertificate presents the pfx to the server', async () => {
  const props = {
    method: 'GET',
    url: `${baseUrl}/x`,
    disableCertValidation: true,
    authentication: clientCertificate,
  };
  const { output, input } = await runWebActivity(props, testDeps());
  assert.equal(output.clientAuthorized, true);
  assert.equal(output.clientName, TEST_CLIENT_COMMON_NAME);
  assert.deepEqual(input.authentication, {
    type: 'ClientCertificate',
    pfx: { type: 'SecureString', value: '**********' },
    password: { type: 'SecureString', value: '**********' },
  });
});

test('a wrong pfx password fails with 2113 before any call', async () => {
  const authentication = { ...clientCertificate, password: { type: 'SecureString', value: 'wrong' } };
  const props = { method: 'GET', url: `${baseUrl}/x`, disableCertValidation: true, authentication };
  const error: unknown = await runWebActivity(props, testDeps()).catch((e: unknown) => e);
  assert.ok(error instanceof ActivityFailure);
  assert.equal(error.errorCode, '2113');
});
