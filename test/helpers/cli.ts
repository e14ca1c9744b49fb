/**
 * Runs the `nightshift` CLI as a user would: a child process (`node src/cli/main.ts ...`, with the Node
 * running the tests) against a given server, collecting exit code, stdout and stderr. Also starts
 * `nightshift serve` as a separate process for tests of the server's own lifecycle.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataDirOf, rememberDataDir } from './auth.ts';
import { REPO_ROOT } from './repo.ts';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
// Beside the launcher's own cache: kept between runs (it halves the CLI's start-up), gone with node_modules.
const COMPILE_CACHE = join(REPO_ROOT, 'node_modules/.cache/nightshift/test-compile');

/**
 * The CLI's config dir for this test process: a login or token cache saved in the developer's home must
 * not leak into tests, and what the tests' CLI runs keep (kept tokens) must not outlive them.
 */
let configDir: string | undefined;
function testConfigDir(): string {
  if (configDir === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'ns-cli-config-'));
    process.once('exit', () => {
      rmSync(made, { recursive: true, force: true });
    });
    configDir = made;
  }
  return configDir;
}

/**
 * The CLI commands that register the tour's breast-cancer endpoint from examples/ (model, endpoint,
 * compute, default deployment), run from the repository root, for tests that need it in place.
 */
export const BREAST_CANCER_SETUP: readonly (readonly string[])[] = [
  ['model', 'create', '-f', 'examples/breast-cancer/model.yml'],
  ['batch-endpoint', 'create', '-f', 'examples/breast-cancer/endpoint.yml'],
  ['compute', 'create', '-f', 'examples/breast-cancer/compute.yml'],
  ['batch-deployment', 'create', '-f', 'examples/breast-cancer/deployment.yml', '--set-default'],
];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Server URL, passed as NIGHTSHIFT_SERVER. */
  server?: string;
  /** Working directory; defaults to the repository root. */
  cwd?: string;
  env?: Record<string, string>;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  // Node's compile cache keeps the type-stripped modules between runs: it halves the start-up time.
  const env: NodeJS.ProcessEnv = { NODE_COMPILE_CACHE: COMPILE_CACHE, ...process.env, ...options.env };
  delete env.NIGHTSHIFT_DEBUG;
  if (options.server) env.NIGHTSHIFT_SERVER = options.server;
  // The CLI acts as the server's local owner, as it does for a user beside the server's data dir.
  const dataDir = options.server === undefined ? undefined : dataDirOf(options.server);
  if (dataDir !== undefined && options.env?.NIGHTSHIFT_DATA_DIR === undefined)
    env.NIGHTSHIFT_DATA_DIR = dataDir;
  env.NIGHTSHIFT_CONFIG_DIR = options.env?.NIGHTSHIFT_CONFIG_DIR ?? testConfigDir();
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Writes `text` to `dir/name` (creating folders), e.g. a YAML file for a command; returns its path. */
export function writeFileIn(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** Parses stdout of a successful run as JSON; a failed run fails with its stderr in the message. */
export function jsonOf(result: CliResult): unknown {
  if (result.code !== 0) throw new Error(`CLI exited with ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as unknown;
}

export interface ServeProcess {
  child: ChildProcess;
  /** Resolves with the URL once the server printed its ready line; rejects if it exits first. */
  ready: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/**
 * Starts a long-running command (`serve`, `worker`) as a child process; `ready` resolves with the first
 * group of `pattern` once the command printed it on stdout.
 */
function startLongRunning(
  args: readonly string[],
  pattern: RegExp,
  env: NodeJS.ProcessEnv = {},
): ServeProcess {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: REPO_ROOT,
    env: { NODE_COMPILE_CACHE: COMPILE_CACHE, ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
  });
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const match = pattern.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then((r) => {
      reject(new Error(`${args[0] ?? ''} exited (${r.code ?? r.signal}) before it was ready: ${r.stderr}`));
    });
  });
  // The rejection is observed by whoever awaits `ready`; avoid an unhandled rejection when nobody does.
  ready.catch(() => undefined);
  return { child, ready, exited };
}

/** Starts `nightshift serve --port 0 --data-dir DIR` as a child process. */
export function startServeProcess(dataDir: string, extraArgs: readonly string[] = []): ServeProcess {
  const started = startLongRunning(
    ['serve', '--port', '0', '--data-dir', dataDir, ...extraArgs],
    /listening on (\S+)/,
  );
  void started.ready.then(
    (url) => {
      rememberDataDir(url, dataDir);
    },
    () => undefined,
  );
  return started;
}

/** Starts `nightshift worker ARGS`; `ready` resolves with the name it joined under. */
export function startWorkerProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}): ServeProcess {
  return startLongRunning(['worker', ...args], /worker (\S+) joined/, env);
}
