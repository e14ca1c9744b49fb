/**
 * Redis for tests: each test that writes to Redis works under a key prefix of its own and deletes every
 * key under it afterwards, so tests never see each other's keys and leave none behind on a shared server.
 * The client is BullMQ's own connection class (the project's Redis client comes with bullmq). A test
 * that must take Redis down runs a private `redis-server` of its own instead of touching the shared one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { RedisConnection } from 'bullmq';
import { testRedisUrl } from './components.ts';

/** Deletes every key that starts with `prefix` + ':' on the Redis at `url`; returns how many. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const connection = new RedisConnection({ url, maxRetriesPerRequest: null });
  try {
    const client = await connection.client;
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, { MATCH: `${prefix}:*`, COUNT: 500 });
      if (keys.length > 0) deleted += await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    return deleted;
  } finally {
    await connection.close();
  }
}

/**
 * A queue URL on the test Redis under a key prefix of the caller's own (`?prefix=`, as servers and
 * workers take it), and `clear()` to delete every key under it once the test's processes are gone.
 */
export function ownQueue(): { url: string; prefix: string; clear(): Promise<number> } {
  const prefix = `ns-test-${randomUUID().slice(0, 8)}`;
  const base = testRedisUrl();
  const url = new URL(base);
  url.searchParams.set('prefix', prefix);
  return { url: url.toString(), prefix, clear: () => deleteRedisKeys(base, prefix) };
}

/** A Redis server of a test's own, on a port of its own, that the test may kill and start again. */
export interface PrivateRedis {
  url: string;
  /** Kills it with SIGKILL: every key is gone (it keeps nothing on disk). */
  kill(): Promise<void>;
  /** Starts it again, empty, on the same port. */
  restart(): Promise<void>;
}

/** A port nothing listens on now (the system picks it; Redis itself cannot listen on port 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `redis-server` in memory only (no RDB, no AOF) on 127.0.0.1 and a free port. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      started.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('Ready to accept connections')) resolve();
      });
      started.once('exit', (code) => {
        reject(new Error(`redis-server exited (${String(code)}) before it was ready:\n${seen}`));
      });
    });
    started.stdout.resume();
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${String(port)}`, kill, restart: start };
}
