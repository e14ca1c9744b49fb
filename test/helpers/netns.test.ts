/**
 * The "separate machine" harness (test/helpers/netns.ts) against the real services: a Node process in
 * the namespace, run with the project's Node from the repository (which stays visible), queries
 * PostgreSQL, PINGs Redis, lists an Azurite container and GETs an HTTP server of the test, each only
 * through a forwarder on the veth; it finds loopback empty, the hidden data dir absent and the hostname
 * its own, while the host still sees the data dir. Killing the spawned process with SIGKILL ends every
 * process inside; SIGTERM reaches the command; parallel hosts get distinct subnets and each reaches the
 * other's forwarders; closing removes the namespace and its veth, and a namespace left by a killed run is swept by the next one.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNet, type AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from './azurite.ts';
import { needs, NETNS, POSTGRES, REDIS, testDatabaseUrl, testRedisUrl } from './components.ts';
import { childrenRunning, isAlive } from './processes.ts';
import { createNetnsHost, NetnsError, type NetnsHost } from './netns.ts';
import { REPO_ROOT } from './repo.ts';
import { waitFor } from './wait.ts';

const components = await needs(NETNS, POSTGRES, REDIS);

/** What the probe reports from inside, as one JSON line. */
interface Seen {
  postgres: string;
  redis: string;
  blobs: string[];
  http: string;
  loopback: string;
  hostPostgres: string;
  hostname: string;
  dataDir: boolean;
  hiddenRoot: string[];
}

/**
 * The probe run inside, as an ES module evaluated from the repository (so `pg` and the Azure SDK resolve
 * from its node_modules). Every address comes from the environment: it knows only what it is told.
 */
const PROBE = `
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import pg from 'pg';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
const env = process.env;
const tcp = (host, port, send) => new Promise((resolve) => {
  const socket = connect({ host, port: Number(port) });
  let got = '';
  socket.on('connect', () => { if (send) socket.write(send); else socket.end(); });
  socket.on('data', (d) => { got += d; if (got.includes('\\r\\n')) socket.end(); });
  socket.on('error', (e) => resolve(e.code));
  socket.on('close', () => resolve(got.trim() || 'connected'));
});
const client = new pg.Client({ connectionString: env.PROBE_DATABASE });
await client.connect();
const { rows } = await client.query("SELECT 'answered ' || current_database() AS text");
await client.end();
const container = new ContainerClient(env.PROBE_CONTAINER,
  new StorageSharedKeyCredential(env.PROBE_ACCOUNT, env.PROBE_KEY));
const blobs = [];
for await (const blob of container.listBlobsFlat()) blobs.push(blob.name);
const redis = new URL(env.PROBE_REDIS);
console.log(JSON.stringify({
  postgres: rows[0].text,
  redis: await tcp(redis.hostname, redis.port, 'PING\\r\\n'),
  blobs,
  http: await (await fetch(env.PROBE_HTTP)).text(),
  loopback: await tcp('127.0.0.1', 5432),
  hostPostgres: await tcp(env.PROBE_HOST_ADDRESS, 5432),
  hostname: hostname(),
  dataDir: existsSync(env.PROBE_DATA_DIR),
  hiddenRoot: readdirSync(env.PROBE_HIDDEN_ROOT),
}));
`;

/** Everything `child` writes to stdout and stderr, once it has closed, with its exit code. */
function outcome(child: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve) =>
    child.once('close', (code) => {
      resolve({ code, out, err });
    }),
  );
}

function namespaces(): string {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
}

/** The host pids of the processes in namespace `name`; none once it is gone. */
function pidsIn(name: string): number[] {
  try {
    const listed = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8', stdio: 'pipe' });
    return listed.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * The namespace at the other end of veth `link`, or undefined when there is no such link. Test files run
 * side by side, so a closed host's index may be taken again at once by another file's host: what must
 * be gone is this host's veth, not every link of that name.
 */
function vethPeerNamespace(link: string): string | undefined {
  try {
    const shown = execFileSync('ip', ['-o', 'link', 'show', link], { encoding: 'utf8', stdio: 'pipe' });
    return /link-netns (\S+)/.exec(shown)?.[1] ?? '';
  } catch {
    return undefined;
  }
}

function linkExists(name: string): boolean {
  try {
    execFileSync('ip', ['link', 'show', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

void describe('a worker host in network and mount namespaces of its own', components, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'ns-netns-'));
  const hiddenRoot = join(scratch, 'server');
  const dataDir = join(hiddenRoot, 'data');
  let azurite: Azurite;
  let http: Server;
  let host: NetnsHost;

  before(async () => {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'metadata.db'), 'the server only');
    azurite = await startAzurite();
    const { ContainerClient, StorageSharedKeyCredential } = await import('@azure/storage-blob');
    const container = new ContainerClient(
      `${azurite.accountUrl}/artifacts`,
      new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY),
    );
    await container.create();
    await container.getBlockBlobClient('model.onnx').upload('weights', 7);
    http = createServer((_req, res) => res.end('hello from the host'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    host = await createNetnsHost({ hide: [hiddenRoot] });
  });

  after(async () => {
    await host.close();
    await azurite.stop();
    await new Promise((resolve) => http.close(resolve));
    rmSync(scratch, { recursive: true, force: true });
  });

  test('reaches PostgreSQL, Redis, Azurite and the test server only through the forwarders', async () => {
    const httpPort = (http.address() as AddressInfo).port;
    const env = {
      ...process.env,
      PROBE_DATABASE: await host.forwardUrl(testDatabaseUrl()),
      PROBE_REDIS: await host.forwardUrl(testRedisUrl()),
      PROBE_CONTAINER: `${await host.forwardUrl(azurite.accountUrl)}/artifacts`,
      PROBE_ACCOUNT: DEV_ACCOUNT,
      PROBE_KEY: DEV_KEY,
      PROBE_HTTP: await host.forwardUrl(`http://127.0.0.1:${String(httpPort)}/`),
      PROBE_HOST_ADDRESS: host.hostAddress,
      PROBE_DATA_DIR: dataDir,
      PROBE_HIDDEN_ROOT: hiddenRoot,
    };
    for (const url of [env.PROBE_DATABASE, env.PROBE_REDIS, env.PROBE_CONTAINER, env.PROBE_HTTP]) {
      assert.equal(new URL(url).hostname, host.hostAddress, url);
    }
    const child = host.spawn(process.execPath, ['--input-type=module', '-e', PROBE], {
      cwd: REPO_ROOT,
      env,
    });
    const { code, out, err } = await outcome(child);
    assert.equal(code, 0, err);
    const seen = JSON.parse(out) as Seen;
    assert.equal(seen.postgres, `answered ${new URL(testDatabaseUrl()).pathname.slice(1)}`);
    assert.equal(seen.redis, '+PONG');
    assert.deepEqual(seen.blobs, ['model.onnx']);
    assert.equal(seen.http, 'hello from the host');
    // Nothing listens on the namespace's own loopback, and PostgreSQL is not on the veth address.
    assert.equal(seen.loopback, 'ECONNREFUSED');
    assert.equal(seen.hostPostgres, 'ECONNREFUSED');
    assert.equal(seen.hostname, host.name);
    assert.notEqual(seen.hostname, hostname());
    // Inside, the data dir does not exist (its parent is an empty tmpfs); the host still has it.
    assert.equal(seen.dataDir, false);
    assert.deepEqual(seen.hiddenRoot, []);
    assert.equal(existsSync(join(dataDir, 'metadata.db')), true);
  });

  test("the repository's npx node and node_modules work inside", async () => {
    const child = host.spawn('npx', ['node', '-p', 'process.version'], { cwd: REPO_ROOT });
    const { code, out, err } = await outcome(child);
    assert.equal(code, 0, err);
    assert.equal(out.trim(), process.version);
  });

  test('SIGKILL to the spawned process ends every process inside', async () => {
    const script = "require('node:child_process').spawn('sleep', ['600'], { stdio: 'inherit' });";
    const child = host.spawn('sh', ['-c', `${process.execPath} -e "${script}"`]);
    const done = outcome(child);
    assert.ok(child.pid !== undefined);
    // unshare, the init script, sh, node and node's sleep
    const inside = await waitFor('the processes inside', () => pidsIn(host.name), {
      until: (pids) => pids.length >= 5,
    });
    process.kill(child.pid, 'SIGKILL');
    await done;
    await waitFor('every process inside to end', () => Promise.resolve(inside.filter((p) => isAlive(p))), {
      until: (alive) => alive.length === 0,
    });
  });

  test('SIGTERM sent through signal() reaches the command', async () => {
    const child = host.spawn(process.execPath, [
      '-e',
      "process.on('SIGTERM', () => { console.log('terminated'); process.exit(3); }); setInterval(() => {}, 1000); console.log('ready');",
    ]);
    const done = outcome(child);
    await new Promise<void>((resolve) => {
      child.stdout?.once('data', () => {
        resolve();
      });
    });
    assert.ok(child.pid !== undefined);
    assert.equal(childrenRunning(child.pid, 'nightshift-netns-init').length, 1);
    host.signal(child, 'SIGTERM');
    const { code, out } = await done;
    assert.equal(code, 3);
    assert.match(out, /terminated/);
  });
});

void describe('namespace lifecycle', components, () => {
  test("parallel hosts get distinct subnets, reach each other's forwarders; close removes them", async () => {
    const [a, b] = await Promise.all([createNetnsHost(), createNetnsHost()]);
    const greeter = createNet((socket) => socket.end('hello from the host'));
    await new Promise<void>((resolve) => greeter.listen(0, '127.0.0.1', resolve));
    try {
      assert.notEqual(a.name, b.name);
      assert.notEqual(a.hostAddress, b.hostAddress);
      assert.match(namespaces(), new RegExp(a.name));
      // One URL for every namespace, as a server stores one Blob endpoint for all its workers.
      const shared = await a.forward((greeter.address() as AddressInfo).port);
      const read = `require('node:net').connect(${String(shared.port)}, '${shared.host}').pipe(process.stdout)`;
      const { code, out, err } = await outcome(b.spawn(process.execPath, ['-e', read]));
      assert.equal(code, 0, err);
      assert.equal(out, 'hello from the host');
    } finally {
      await new Promise((resolve) => greeter.close(resolve));
      await Promise.all([a.close(), b.close()]);
    }
    for (const h of [a, b]) {
      assert.doesNotMatch(namespaces(), new RegExp(h.name));
      assert.notEqual(vethPeerNamespace(`nsv${h.hostAddress.split('.')[2] ?? ''}`), h.name);
    }
  });

  test('a namespace left by a killed run, with a process still in it, is swept by the next', async () => {
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    const stale = `nightshift-${String(gone.pid)}-dead`;
    execFileSync('ip', ['netns', 'add', stale]);
    execFileSync('ip', ['link', 'add', 'nsvstale', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', stale]);
    const lingering = spawn('ip', ['netns', 'exec', stale, 'sleep', '600'], { stdio: 'ignore' });
    const lingered = new Promise((resolve) => lingering.once('exit', resolve));
    await waitFor('the lingering process inside', () => pidsIn(stale), { until: (p) => p.length > 0 });
    const host = await createNetnsHost();
    await host.close();
    await lingered;
    assert.doesNotMatch(namespaces(), new RegExp(stale));
    assert.equal(linkExists('nsvstale'), false);
  });

  test('hiding the working directory, or a path that is not a directory, is refused', async () => {
    await assert.rejects(createNetnsHost({ hide: ['relative/path'] }), NetnsError);
    await assert.rejects(createNetnsHost({ hide: ['/no/such/dir'] }), NetnsError);
    const host = await createNetnsHost({ hide: [tmpdir()] });
    try {
      const inTmp = mkdtempSync(join(tmpdir(), 'ns-netns-cwd-'));
      assert.throws(() => host.spawn('true', [], { cwd: inTmp }), NetnsError);
      rmSync(inTmp, { recursive: true });
    } finally {
      await host.close();
    }
  });
});
