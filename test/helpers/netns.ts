/**
 * A "separate machine" for end-to-end tests: a Linux network namespace joined to this machine by a veth
 * pair, in which processes run in mount, UTS and PID namespaces of their own. Inside, the one machine
 * there is to reach is this one, through the host end of the veth (`hostAddress`, also the default
 * route; this machine does not forward further), loopback has nothing on it, the hostname is the
 * namespace's, and each directory in `hide` (the server's data dir, or a folder that holds it) is
 * covered by an empty read-only tmpfs, so a worker started there reaches PostgreSQL, Redis, Blob Storage
 * and the server only over the network, as on another machine. The services listen on 127.0.0.1 and stay
 * as they are: `forward(port)` starts a TCP forwarder (test/helpers/tcp-forwarder.ts) on `hostAddress`
 * that carries connections to 127.0.0.1:port, and `forwardUrl(url)` rewrites a loopback URL to it. The
 * host side can use the same rewritten URLs (the address is the host's own), and so can every other
 * namespace (their default route leads to this machine, whose address it is), which is how a server gives
 * workers in several namespaces one Blob endpoint they can all reach, as on a LAN.
 *
 * Each host takes the first free /30 of 10.200.0.0/16 by creating its veth (`nsv<N>`; the kernel refuses
 * a name already taken, so parallel test processes never share a subnet) with its other end created
 * directly in the namespace. `close()`, an exit hook and, for a run that was killed, the next run's
 * sweep of namespaces whose creating process is gone remove processes, namespace and veth; mounts live
 * only in the spawned processes' mount namespaces and vanish with them. Needs root, `ip` (iproute2) and
 * util-linux's `unshare` and `setpriv`: tests declare it with `needs(NETNS)` (test/helpers/components.ts).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { promisify } from 'node:util';
import { childrenRunning, isAlive } from './processes.ts';
import { startTcpForwarder, type TcpForwarder } from './tcp-forwarder.ts';

const execFileAsync = promisify(execFile);

/** A namespace this harness made: `nightshift-<pid of the creating process>-<random>`. */
const NAME_PATTERN = /^nightshift-(\d+)-[0-9a-f]+$/;
/** The third octet of 10.200.N.0/30 and the N of the host-side veth `nsv<N>`. */
const FIRST_INDEX = 1;
const LAST_INDEX = 254;
/** The inner script's $0, by which `signal` finds it among the children of `unshare`. */
const INIT_NAME = 'nightshift-netns-init';

/** A namespace could not be set up or used as asked (not root, a bad path to hide, no free subnet). */
export class NetnsError extends Error {
  override readonly name = 'NetnsError';
}

export interface NetnsHostOptions {
  /** Absolute paths of existing directories to cover with an empty tmpfs inside the namespace. */
  hide?: readonly string[];
}

export interface SpawnInNetnsOptions {
  /** Working directory (default: this process's); must not be under a hidden directory. */
  cwd?: string;
  /** The environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export interface NetnsHost {
  /** The namespace's name (`ip netns exec NAME ...`), also the hostname its processes see. */
  name: string;
  /** The host end of the veth: the one address processes inside can reach. */
  hostAddress: string;
  /** The namespace end of the veth. */
  address: string;
  /** A forwarder from hostAddress:(a free port) to 127.0.0.1:port; one per port, started on first ask. */
  forward(port: number): Promise<{ host: string; port: number }>;
  /** `url` with a loopback host:port replaced by its forwarder's; any other URL unchanged. */
  forwardUrl(url: string): Promise<string>;
  /**
   * Runs `command args` inside, with stdout and stderr piped. The ChildProcess is util-linux's `unshare`,
   * whose child is the namespace's PID 1: SIGKILL to it (or to the command) ends every process inside.
   * `unshare` ignores SIGTERM and SIGINT; send those with `signal`.
   */
  spawn(command: string, args: readonly string[], options?: SpawnInNetnsOptions): ChildProcess;
  /** Sends `signal` to the command started by `spawn` (through the namespace's PID 1, which relays it). */
  signal(child: ChildProcess, signal: NodeJS.Signals): void;
  /** Kills everything inside, stops the forwarders, deletes the namespace and its veth. Idempotent. */
  close(): Promise<void>;
}

async function ip(args: readonly string[]): Promise<string> {
  try {
    return (await execFileAsync('ip', args, { encoding: 'utf8' })).stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new NetnsError(`ip ${args.join(' ')}: ${stderr.trim()}`, { cause: error });
  }
}

/** The names `ip netns list` shows ("NAME" or "NAME (id: N)" per line). */
async function namespaceNames(): Promise<string[]> {
  const listed = await ip(['netns', 'list']);
  return listed
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);
}

/**
 * Kills every process in namespace `name`, deletes its veth pair and then it. Synchronous,
 * because the exit hook cannot wait; every step tolerates the namespace being gone already (two runs may
 * sweep the same stale one).
 */
function removeNamespaceSync(name: string): void {
  let pids: number[];
  try {
    pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8', stdio: 'pipe' })
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return; // no such namespace
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  try {
    // Deleting one end of a veth removes both at once; left to the namespace's teardown, the host end
    // lingers until the kernel's cleanup worker runs, after the killed processes have fully exited.
    execFileSync('ip', ['-n', name, 'link', 'delete', 'eth0'], { stdio: 'ignore' });
  } catch {
    // no veth in it (set-up failed before claimVeth) or already gone
  }
  try {
    execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
  } catch {
    // deleted meanwhile
  }
}

/** Deletes the namespaces this harness made in processes that no longer run (a killed test run). */
async function sweepStaleNamespaces(): Promise<void> {
  for (const name of await namespaceNames()) {
    const owner = NAME_PATTERN.exec(name)?.[1];
    if (owner !== undefined && Number(owner) !== process.pid && !isAlive(Number(owner))) {
      removeNamespaceSync(name);
    }
  }
}

/**
 * Takes the first free index by creating the veth `nsv<N>` with its other end, `eth0`, made directly in
 * namespace `name`: the kernel's refusal of a taken name is the lock, and no moment exists at which the
 * pair is in the host without its namespace.
 */
async function claimVeth(name: string): Promise<number> {
  for (let index = FIRST_INDEX; index <= LAST_INDEX; index++) {
    try {
      await ip(['link', 'add', `nsv${index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name]);
      return index;
    } catch (error) {
      if (!(error instanceof NetnsError) || !/File exists/i.test(error.message)) throw error;
    }
  }
  throw new NetnsError(`no free veth nsv${FIRST_INDEX}..nsv${LAST_INDEX} (10.200.N.0/30) is left`);
}

/**
 * Addresses both ends, brings them and the namespace's loopback up, and routes everything through this
 * machine: its addresses (every namespace's `hostAddress` among them) answer; with IP forwarding off, as
 * it is on a test machine, nothing beyond them does.
 */
async function configure(name: string, index: number): Promise<void> {
  const link = `nsv${index}`;
  await ip(['addr', 'add', `10.200.${index}.1/30`, 'dev', link]);
  await ip(['link', 'set', link, 'up']);
  await ip(['-n', name, 'addr', 'add', `10.200.${index}.2/30`, 'dev', 'eth0']);
  await ip(['-n', name, 'link', 'set', 'eth0', 'up']);
  await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  await ip(['-n', name, 'route', 'add', 'default', 'via', `10.200.${index}.1`]);
}

/** The real path of each directory to hide, checked: absolute, existing, a directory, not `/`. */
function checkedHidden(hide: readonly string[]): string[] {
  return hide.map((path) => {
    if (!isAbsolute(path)) throw new NetnsError(`a hidden path must be absolute: ${path}`);
    let real: string;
    try {
      real = realpathSync(path);
    } catch (error) {
      throw new NetnsError(`a hidden path must exist: ${path}`, { cause: error });
    }
    if (!statSync(real).isDirectory()) throw new NetnsError(`a hidden path must be a directory: ${path}`);
    if (real === '/') throw new NetnsError('hiding / would leave nothing to run');
    return real;
  });
}

/** Throws when `path` is (under) a hidden directory: a process could not start from it. */
export function assertVisible(path: string, hidden: readonly string[], what: string): void {
  const real = realpathSync(path);
  for (const dir of hidden) {
    const rel = relative(dir, real);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
      throw new NetnsError(`${what} ${path} is under hidden ${dir}, so it would vanish inside`);
    }
  }
}

/**
 * The namespace's PID 1 (a POSIX sh script): covers each hidden directory with an empty, read-only tmpfs
 * (a write meant for the server's disk fails rather than landing in a throwaway), sets the hostname,
 * then runs the command as its child and relays TERM and INT to it. It does not `exec` the command,
 * because PID 1 of a namespace receives from outside only the signals it has handlers for; when the
 * command ends, the script exits with its status, and the kernel then kills whatever is left inside.
 */
const INIT_SCRIPT = `set -e
name=$1; count=$2; shift 2
while [ "$count" -gt 0 ]; do
  mount -t tmpfs -o ro,mode=0555,size=16k nightshift-hidden "$1"
  shift; count=$((count - 1))
done
printf %s "$name" > /proc/sys/kernel/hostname
set +e
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM
trap 'kill -INT "$child" 2>/dev/null' INT
while :; do
  wait "$child"; status=$?
  kill -0 "$child" 2>/dev/null || exit "$status"
done
`;

/**
 * The argv that runs `command args` in namespace `name`: `setpriv --pdeathsig` kills it if the test
 * process dies; `ip netns exec` enters the network namespace (and execs, keeping the pid); `unshare`
 * makes the mount, UTS and PID namespaces (a fresh /proc, mounts private so nothing leaks back) and
 * forks PID 1, which `--kill-child` kills if `unshare` itself is killed.
 */
function namespaceArgv(
  name: string,
  hidden: readonly string[],
  command: string,
  args: readonly string[],
): string[] {
  return [
    ...['--pdeathsig', 'SIGKILL', '--', 'ip', 'netns', 'exec', name],
    ...['unshare', '--mount', '--uts', '--pid', '--fork', '--kill-child', '--mount-proc'],
    ...['--propagation', 'private', '--', 'sh', '-c', INIT_SCRIPT, INIT_NAME, name],
    ...[String(hidden.length), ...hidden, command, ...args],
  ];
}

/**
 * The pid on this machine of the command `spawn` started (the child of the namespace's init
 * script, itself the child of `unshare`); undefined before it has started or after it has ended.
 */
export function commandPid(child: ChildProcess): number | undefined {
  if (child.pid === undefined) return undefined;
  const init = childrenRunning(child.pid, INIT_NAME)[0];
  if (init === undefined) return undefined;
  // Before the command starts, the init script's child may be `mount` covering a hidden directory.
  return childrenRunning(init, '').find((pid) => !isAlive(pid, 'nightshift-hidden'));
}

/** `url` parsed when its host is this machine's loopback, else undefined (not a URL, or elsewhere). */
function loopbackUrl(url: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
  try {
    const parsed = new URL(url);
    return ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  'http:': 80,
  'https:': 443,
  'postgres:': 5432,
  'postgresql:': 5432,
  'redis:': 6379,
  'rediss:': 6379,
};

/** `url` rewritten to reach its service through `host`'s forwarder, when it names loopback. */
export async function rewriteLoopbackUrl(host: NetnsHost, url: string): Promise<string> {
  const parsed = loopbackUrl(url);
  if (parsed === undefined) return url;
  const port = parsed.port === '' ? DEFAULT_PORTS[parsed.protocol] : Number(parsed.port);
  if (port === undefined) throw new NetnsError(`no port in ${parsed.protocol} URL, and no default known`);
  const target = await host.forward(port);
  parsed.hostname = target.host;
  parsed.port = String(target.port);
  return parsed.toString();
}

/** Sets up a namespace joined to this machine by a veth of its own; see the module's comment. */
export async function createNetnsHost(options: NetnsHostOptions = {}): Promise<NetnsHost> {
  if (process.getuid?.() !== 0) throw new NetnsError('network namespaces need root');
  const hidden = checkedHidden(options.hide ?? []);
  await sweepStaleNamespaces();
  const name = `nightshift-${String(process.pid)}-${randomBytes(3).toString('hex')}`;
  await ip(['netns', 'add', name]);
  const onExit = (): void => {
    removeNamespaceSync(name);
  };
  process.on('exit', onExit);
  let index: number;
  try {
    index = await claimVeth(name);
    await configure(name, index);
  } catch (error) {
    process.off('exit', onExit);
    removeNamespaceSync(name);
    throw error;
  }
  return hostOf({ name, index, hidden, onExit });
}

/** Kills the spawned processes (waiting until each has closed), then stops the forwarders. */
async function killAndStop(
  children: ReadonlySet<ChildProcess>,
  forwarders: ReadonlyMap<number, Promise<TcpForwarder>>,
): Promise<void> {
  const closes = [...children].map(
    (child) =>
      new Promise<void>((resolve) => {
        child.once('close', () => {
          resolve();
        });
      }),
  );
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(closes);
  const started = await Promise.allSettled(forwarders.values());
  await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.close() : Promise.resolve())));
}

/** The NetnsHost over a namespace set up by createNetnsHost. */
function hostOf(made: {
  name: string;
  index: number;
  hidden: readonly string[];
  onExit: () => void;
}): NetnsHost {
  const { name, index, hidden } = made;
  const hostAddress = `10.200.${String(index)}.1`;
  const forwarders = new Map<number, Promise<TcpForwarder>>();
  const children = new Set<ChildProcess>();
  let closed = false;
  const host: NetnsHost = {
    name,
    hostAddress,
    address: `10.200.${String(index)}.2`,
    async forward(port) {
      if (closed) throw new NetnsError(`namespace ${name} is closed`);
      let forwarder = forwarders.get(port);
      if (forwarder === undefined) {
        forwarder = startTcpForwarder({ listenHost: hostAddress, targetHost: '127.0.0.1', targetPort: port });
        forwarders.set(port, forwarder);
      }
      const { host: listenHost, port: listenPort } = await forwarder;
      return { host: listenHost, port: listenPort };
    },
    forwardUrl: (url) => rewriteLoopbackUrl(host, url),
    spawn(command, args, spawnOptions = {}) {
      if (closed) throw new NetnsError(`namespace ${name} is closed`);
      const cwd = spawnOptions.cwd ?? process.cwd();
      assertVisible(cwd, hidden, 'the working directory');
      const child = spawn('setpriv', namespaceArgv(name, hidden, command, args), {
        cwd,
        env: spawnOptions.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    signal(child, signal) {
      if (child.pid === undefined) return;
      for (const pid of childrenRunning(child.pid, INIT_NAME)) process.kill(pid, signal);
    },
    async close() {
      if (closed) return;
      closed = true;
      await killAndStop(children, forwarders);
      process.off('exit', made.onExit);
      removeNamespaceSync(name);
    },
  };
  return host;
}
