/**
 * The one-file HTTP source against a real local HTTPS server whose certificate openssl makes at test time:
 * what a store must answer (stat, list, openRead, read-only), redirects (followed, bounded, and re-checked
 * so an allowed host cannot send the reader to a forbidden one), servers without HEAD, oversized headers,
 * and a certificate nobody vouched for.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NotFoundError, NotSupportedError, ValidationError } from '../../core/errors.ts';
import { OPENSSL, needs } from '../../../test/helpers/components.ts';
import { startHttpsServer, type HttpsTestServer } from '../../../test/helpers/https-server.ts';
import { readText } from '../read-text.ts';
import { fileNameOf, httpFileSource, type HttpSourceOptions } from './http-file.ts';

const CSV = 'a,b\n1,2\n3,4\n';
let server: HttpsTestServer;
let options: HttpSourceOptions;

const openssl = await needs(OPENSSL);

const source = (path: string, o: HttpSourceOptions = options) =>
  httpFileSource(new URL(`${server.url}${path}`), o);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof Error, 'expected a failure');
  return error;
}

describe('httpFileSource', openssl, () => {
  before(async () => {
    server = await startHttpsServer((req, res) => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      if (path === '/data/scores.csv') {
        res.writeHead(200, {
          'content-length': CSV.length,
          etag: '"v1"',
          'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT',
        });
        res.end(req.method === 'HEAD' ? undefined : CSV);
      } else if (path === '/no-head.csv') {
        if (req.method === 'HEAD') res.writeHead(405).end();
        else res.writeHead(200, { 'content-length': CSV.length }).end(CSV);
      } else if (path === '/moved.csv') {
        res.writeHead(302, { location: '/data/scores.csv' }).end();
      } else if (path === '/to-metadata.csv') {
        res.writeHead(302, { location: 'https://169.254.169.254/latest/meta-data/iam' }).end();
      } else if (path === '/to-loopback.csv') {
        res.writeHead(307, { location: `https://127.0.0.1:${server.port}/data/scores.csv` }).end();
      } else if (path === '/loop.csv') {
        res.writeHead(302, { location: '/loop.csv' }).end();
      } else if (path === '/huge-headers.csv') {
        res.writeHead(200, { 'x-padding': 'p'.repeat(64 * 1024) }).end(CSV);
      } else if (path === '/teapot.csv') {
        res.writeHead(418).end();
      } else {
        res.writeHead(404).end();
      }
    });
    options = { policy: { allowHosts: [`localhost:${server.port}`], allowHttp: false }, ca: server.ca };
  });

  after(async () => {
    await server.stop();
  });

  it('holds one file under its own name: stat, list and a streamed read', async () => {
    const s = source('/data/scores.csv');
    assert.deepEqual(await s.stat('scores.csv'), {
      kind: 'file',
      size: CSV.length,
      etag: '"v1"',
      lastModified: '2026-12-01T10:00:00.000Z',
    });
    assert.deepEqual(await s.stat(''), { kind: 'folder', size: 0 });
    assert.equal(await s.stat('other.csv'), undefined);
    assert.deepEqual(
      (await s.list('')).map((f) => [f.path, f.size]),
      [['scores.csv', CSV.length]],
    );
    assert.equal(await readText(s, 'scores.csv'), CSV);
    assert.equal(await s.localPath('scores.csv'), undefined);
  });

  it('reads a byte range of the file, cut from the response', async () => {
    const s = source('/data/scores.csv');
    const read = async (start: number, end: number) => {
      const chunks: Buffer[] = [];
      for await (const chunk of s.openRead('scores.csv', { start, end })) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString();
    };
    assert.equal(await read(4, 8), CSV.slice(4, 8));
    assert.equal(await read(8, 100), CSV.slice(8));
    assert.equal(await read(3, 3), '');
  });

  it('is read-only, and a missing file is absent (stat) or NotFound (read)', async () => {
    const s = source('/gone.csv');
    assert.equal(await s.stat('gone.csv'), undefined);
    assert.ok((await rejection(readText(s, 'gone.csv'))) instanceof NotFoundError);
    assert.ok((await rejection(s.write('gone.csv', 'x'))) instanceof NotSupportedError);
    assert.ok((await rejection(s.remove('gone.csv'))) instanceof NotSupportedError);
    assert.throws(() => s.openRead('other.csv'), NotFoundError);
  });

  it('follows a redirect on the same allowed host, and asks with GET when HEAD is refused', async () => {
    assert.equal((await source('/moved.csv').stat('moved.csv'))?.size, CSV.length);
    assert.equal(await readText(source('/moved.csv'), 'moved.csv'), CSV);
    assert.equal((await source('/no-head.csv').stat('no-head.csv'))?.size, CSV.length);
  });

  it('refuses a redirect from the allowed host to the metadata service or to loopback', async () => {
    const metadata = await rejection(source('/to-metadata.csv').stat('to-metadata.csv'));
    assert.ok(metadata instanceof ValidationError);
    assert.match(metadata.message, /169\.254\.169\.254.*not a public address/);
    const loopback = await rejection(readText(source('/to-loopback.csv'), 'to-loopback.csv'));
    assert.match(loopback.message, /127\.0\.0\.1.*not a public address/);
    // The redirect target was never asked for.
    assert.ok(!server.requests.some((r) => r.includes('meta-data')));
  });

  it('bounds redirects and response headers, and names an unexpected status', async () => {
    assert.match((await rejection(source('/loop.csv').stat('loop.csv'))).message, /more than 5 redirects/);
    assert.match(
      (await rejection(source('/huge-headers.csv').stat('huge-headers.csv'))).message,
      /failed: HPE_HEADER_OVERFLOW/,
    );
    assert.match((await rejection(source('/teapot.csv').stat('teapot.csv'))).message, /HTTP 418/);
  });

  it('refuses a certificate no trusted authority signed, and the host without the operator allowing it', async () => {
    const untrusted = await rejection(
      source('/data/scores.csv', { policy: options.policy }).stat('scores.csv'),
    );
    assert.match(
      untrusted.message,
      /certificate was refused \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED|UNABLE_TO_VERIFY)/,
    );
    assert.match(untrusted.message, /--url-ca-file/);
    const notAllowed = await rejection(
      source('/data/scores.csv', { policy: { allowHosts: [], allowHttp: false }, ca: server.ca }).stat(
        'scores.csv',
      ),
    );
    assert.match(notAllowed.message, /resolves to 127\.0\.0\.1.*--allow-url-hosts/);
  });
});

describe('connections go to the checked address', openssl, () => {
  it('uses the address the policy approved, not a second DNS answer', async () => {
    const files = await startHttpsServer((_req, res) => res.writeHead(200).end(CSV));
    try {
      // The system resolver has never heard of this name: only the checked answer can reach the server,
      // whose certificate (for localhost) then fails the name check, which proves where it connected.
      const s = httpFileSource(new URL(`https://pinned.test:${files.port}/a.csv`), {
        policy: { allowHosts: [`pinned.test:${files.port}`], allowHttp: false },
        ca: files.ca,
        resolver: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
      });
      const error = await rejection(s.stat('a.csv'));
      assert.match(error.message, /ERR_TLS_CERT_ALTNAME_INVALID/);
      assert.equal(files.requests.length, 0);
    } finally {
      await files.stop();
    }
  });
});

describe('fileNameOf', () => {
  it("is the URL path's last segment, decoded; a URL that names no file is refused", () => {
    assert.equal(fileNameOf(new URL('https://h/a/b%20c.csv?x=1')), 'b c.csv');
    assert.throws(() => fileNameOf(new URL('https://h/folder/')), /does not name a file/);
    assert.throws(() => fileNameOf(new URL('https://h/a/..%2F..%2Fetc')), /does not name a file/);
    // The URL parser resolves an encoded '..' itself: nothing is left to name.
    assert.throws(() => fileNameOf(new URL('https://h/%2e%2e')), /does not name a file/);
  });
});
