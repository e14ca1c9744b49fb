/**
 * The TCP forwarder on loopback alone (no namespace needed): bytes go both ways unchanged, a target
 * that refuses shows as a dropped connection, and close() cuts connections still open.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTcpForwarder } from './tcp-forwarder.ts';

/** Connects to host:port, writes `send`, and resolves with all it read once the connection closed. */
function exchange(host: string, port: number, send: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => socket.write(send));
    let got = '';
    socket.on('data', (chunk: Buffer) => (got += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      resolve(got);
    });
  });
}

void describe('a TCP forwarder', () => {
  let echo: Server;
  before(async () => {
    // Echoes upper-cased, ending the reply at a newline, so a test knows when a round trip is done.
    echo = createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        socket.write(text.toUpperCase());
        if (text.includes('\n')) socket.end();
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await new Promise((resolve) => echo.close(resolve));
  });

  test('carries bytes both ways to the target', async () => {
    const targetPort = (echo.address() as AddressInfo).port;
    const forwarder = await startTcpForwarder({
      listenHost: '127.0.0.1',
      targetHost: '127.0.0.1',
      targetPort,
    });
    try {
      assert.notEqual(forwarder.port, targetPort);
      assert.equal(await exchange(forwarder.host, forwarder.port, 'ping\n'), 'PING\n');
    } finally {
      await forwarder.close();
    }
  });

  test('a refusing target drops the client; close() cuts what is open', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const toNothing = await startTcpForwarder({
      listenHost: '127.0.0.1',
      targetHost: '127.0.0.1',
      targetPort: deadPort,
    });
    assert.equal(await exchange(toNothing.host, toNothing.port, 'anyone?\n'), '');
    await toNothing.close();

    const targetPort = (echo.address() as AddressInfo).port;
    const forwarder = await startTcpForwarder({
      listenHost: '127.0.0.1',
      targetHost: '127.0.0.1',
      targetPort,
    });
    // No newline: the echo server keeps the connection open until the forwarder cuts it.
    const socket = connect({ host: forwarder.host, port: forwarder.port }, () => socket.write('held'));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    const [reply] = (await once(socket, 'data')) as [Buffer];
    assert.equal(reply.toString(), 'HELD');
    await forwarder.close();
    await ended;
  });
});
