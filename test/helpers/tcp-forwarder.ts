/**
 * A TCP forwarder for tests: listens on one address and pipes every connection, byte for byte, to a
 * target address. The network-namespace harness (test/helpers/netns.ts) runs one per service on the
 * host end of its veth pair, because PostgreSQL, Redis, Azurite and the test's servers listen on
 * 127.0.0.1 only and the tests must not reconfigure them: a process in the namespace reaches
 * `hostAddress:port`, and the forwarder, being on the host, reaches 127.0.0.1. It knows nothing of the
 * protocols it carries, so TLS, PostgreSQL's and Redis's wire formats and HTTP all pass through unchanged.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpForwarder {
  /** The address it listens on. */
  host: string;
  /** The port it listens on (the system's pick when asked for 0). */
  port: number;
  /** Stops listening and cuts every open connection; resolves once the server has closed. */
  close(): Promise<void>;
}

export interface ForwarderOptions {
  listenHost: string;
  /** 0 (the default) lets the system pick a free port. */
  listenPort?: number;
  targetHost: string;
  targetPort: number;
}

/**
 * Joins two sockets: each one's data goes to the other, and when either ends, fails or closes, both are
 * destroyed, so a client sees a refused or dropped target as a dropped connection (as it would see the
 * real service die) and no half of a pair is left open.
 */
function splice(client: Socket, target: Socket): void {
  const cut = (): void => {
    client.destroy();
    target.destroy();
  };
  client.pipe(target);
  target.pipe(client);
  for (const socket of [client, target]) {
    socket.once('error', cut);
    socket.once('close', cut);
  }
}

/** Starts a forwarder from listenHost:listenPort to targetHost:targetPort; resolves once it listens. */
export async function startTcpForwarder(options: ForwarderOptions): Promise<TcpForwarder> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const target = connect({ host: options.targetHost, port: options.targetPort });
    for (const socket of [client, target]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    }
    // Nagle's delay would add latency to every small request/reply round trip the client makes.
    client.setNoDelay(true);
    target.setNoDelay(true);
    splice(client, target);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listenPort ?? 0, options.listenHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: options.listenHost,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // server.close waits for open connections, so they are cut first.
        server.close(() => {
          resolve();
        });
        for (const socket of open) socket.destroy();
      }),
  };
}
