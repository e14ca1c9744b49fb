/**
 * Optional system components some tests need (Debian's Python libraries, PostgreSQL for its metadata
 * store, Redis for the BullMQ queue, namespaces for a worker on a "separate machine"; Chromium for the
 * adapters to come). A test or a whole suite declares what it needs with the options `needs()` returns:
 * present, the test runs; absent, it is skipped with one line naming the component and the command that
 * installs or starts it, so a fresh machine passes `npm test`; absent with `CI=true`, the test fails with
 * that same line, so CI always runs everything. Each probe asks the machine the question
 * the tests depend on (the interpreter imports the libraries, the database answers a query, the port
 * accepts a connection, the binary exists) rather than looking for a package name.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { TestOptions } from 'node:test';
import { Client } from 'pg';

export interface Component {
  /** What a reader looks for, e.g. "PostgreSQL on 127.0.0.1:5432". */
  name: string;
  /** The shell command that installs or starts it. */
  remedy: string;
  /** Resolves true when the component is usable from this machine. */
  probe(): Promise<boolean>;
}

// Long, because only a hang reaches it: a missing component fails at once, and on a loaded machine
// importing pandas and scikit-learn has been seen to take more than ten seconds.
const PROBE_TIMEOUT_MS = 60_000;

/** True when `command args...` exits 0 (a missing executable or a timeout counts as absent). */
export function commandSucceeds(command: string, args: readonly string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      resolve(ok);
    };
    child.on('error', () => {
      done(false);
    });
    child.on('close', (code) => {
      done(code === 0);
    });
  });
}

/** True when something accepts a TCP connection on host:port. */
export function portAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => {
      done(false);
    });
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
  });
}

/** True when `path` is an executable file. */
export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The interpreter alone, for Python scripts that import nothing beyond the standard library. */
export const PYTHON3: Component = {
  name: 'Python 3 (/usr/bin/python3)',
  remedy: 'sudo apt-get install -y python3',
  probe: () => commandSucceeds('/usr/bin/python3', ['-c', 'pass']),
};

/**
 * Debian's numpy, pandas and scikit-learn for /usr/bin/python3: the Python runtime's tests run scripts
 * that import them, and the environment check's tests expect a conda file listing them to pass.
 */
export const PYTHON_LIBRARIES: Component = {
  name: "Debian's Python libraries (numpy, pandas, scikit-learn for /usr/bin/python3)",
  remedy: 'sudo apt-get install -y python3-pandas python3-sklearn',
  probe: () => commandSucceeds('/usr/bin/python3', ['-c', 'import numpy, pandas, sklearn']),
};

/** curl, which the README's walk-through over plain HTTP uses. */
export const CURL: Component = {
  name: 'curl',
  remedy: 'sudo apt-get install -y curl',
  probe: () => commandSucceeds('curl', ['--version']),
};

/** openssl, which makes the certificate of the local HTTPS token authority (test/helpers/token-authority.ts). */
export const OPENSSL: Component = {
  name: 'openssl',
  remedy: 'sudo apt-get install -y openssl',
  probe: () => commandSucceeds('openssl', ['version']),
};

/** Where the tests find PostgreSQL: NIGHTSHIFT_TEST_DATABASE_URL, else the local server's `test` database. */
export function testDatabaseUrl(): string {
  return process.env.NIGHTSHIFT_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
}

/** PostgreSQL answering a query on the test database (a port that accepts is not enough: auth, database). */
export const POSTGRES: Component = {
  name: 'PostgreSQL at NIGHTSHIFT_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test)',
  remedy: 'sudo apt-get install -y postgresql && sudo pg_ctlcluster 15 main start',
  probe: () => databaseAnswers(testDatabaseUrl()),
};

/** True when `SELECT 1` succeeds on `url` (refused, wrong password, no such database or a timeout: false). */
async function databaseAnswers(url: string): Promise<boolean> {
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    query_timeout: PROBE_TIMEOUT_MS,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The Redis the tests use: NIGHTSHIFT_TEST_REDIS_URL, else the local default. */
export function testRedisUrl(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.NIGHTSHIFT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** One command in Redis's wire format (RESP), so arguments need no quoting. */
function respCommand(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * True when the Redis at `url` answers PING (after AUTH when the URL carries a password): a port that
 * accepts connections is not enough, since something else may listen there or Redis may refuse us.
 */
function redisAnswersPing(url: string): Promise<boolean> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  const host = target.hostname || '127.0.0.1';
  const port = Number(target.port || 6379);
  const commands: string[][] = [];
  if (target.password !== '') {
    const user = target.username === '' ? [] : [decodeURIComponent(target.username)];
    commands.push(['AUTH', ...user, decodeURIComponent(target.password)]);
  }
  commands.push(['PING']);
  const secure = target.protocol === 'rediss:';
  return new Promise((resolve) => {
    const socket: Socket = secure ? connectTls({ host, port, servername: host }) : connect({ host, port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => {
      done(false);
    });
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      socket.write(commands.map(respCommand).join(''));
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('+PONG\r\n')) done(true);
      else if (/(^|\n)-/.test(reply)) done(false);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('close', () => {
      done(false);
    });
  });
}

export const REDIS: Component = {
  // The URL may carry a password, so the name says where it comes from rather than what it is.
  name: 'Redis (NIGHTSHIFT_TEST_REDIS_URL, else redis://127.0.0.1:6379)',
  remedy: 'apt-get install -y redis-server && redis-server --daemonize yes',
  probe: () => redisAnswersPing(testRedisUrl()),
};

/** The redis-server program itself, for tests that run (and kill) a Redis of their own. */
export const REDIS_SERVER: Component = {
  name: 'redis-server (/usr/bin/redis-server)',
  remedy: 'sudo apt-get install -y redis-server',
  probe: () => isExecutable('/usr/bin/redis-server'),
};

/**
 * Network, mount, UTS and PID namespaces, for the tests that run a worker as if on another machine
 * (test/helpers/netns.ts): root, iproute2's `ip` and util-linux's `unshare` and `setpriv`. The probe
 * makes the namespaces it needs and mounts a tmpfs in them, so a container that forbids it counts as absent.
 */
export const NETNS: Component = {
  name: 'network and mount namespaces (root, ip from iproute2, unshare and setpriv from util-linux)',
  remedy: 'sudo apt-get install -y iproute2 util-linux, then run the tests as root',
  probe: async () =>
    process.getuid?.() === 0 &&
    (await commandSucceeds('ip', ['netns', 'list'])) &&
    (await commandSucceeds('setpriv', ['--pdeathsig', 'SIGKILL', '--', 'true'])) &&
    commandSucceeds('unshare', [
      ...['--net', '--mount', '--uts', '--pid', '--fork', '--mount-proc', '--propagation', 'private'],
      ...['sh', '-c', 'mount -t tmpfs nightshift-probe /mnt'],
    ]),
};

export const CHROMIUM: Component = {
  name: 'Chromium (/usr/bin/chromium)',
  remedy: 'sudo apt-get install -y chromium',
  probe: () => isExecutable('/usr/bin/chromium'),
};

/** Whether the environment says CI is running: a missing component must then fail, not skip. */
export function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  return /^(true|1|yes)$/i.test(env.CI ?? '');
}

/** The one line a skipped or failed test shows for the missing components. */
export function missingLine(missing: readonly Component[]): string {
  return missing.map((c) => `needs ${c.name}: ${c.remedy}`).join('; ');
}

/**
 * node:test options for a test or suite that needs `components`: `{}` when all are present, a skip with
 * the reason when one is missing, or (when CI=true) an already-aborted signal, which fails the test with
 * that reason without running it. Probes run once per call: call it once per file and reuse the options.
 *
 *     const python = await needs(PYTHON_LIBRARIES);
 *     describe('Python scoring scripts', python, () => { ... });
 */
export function needs(...components: Component[]): Promise<TestOptions> {
  return optionsFor(components, process.env);
}

/** `needs`, with the environment given (its own tests set CI). */
export async function optionsFor(
  components: readonly Component[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<TestOptions> {
  const present = await Promise.all(components.map((c) => c.probe()));
  const missing = components.filter((_, i) => !present[i]);
  if (missing.length === 0) return {};
  const line = missingLine(missing);
  if (!isCi(env)) return { skip: line };
  return { signal: AbortSignal.abort(new Error(`CI=true and a component is missing: ${line}`)) };
}
