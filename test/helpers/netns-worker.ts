/**
 * `nightshift worker` as if on another machine, for the scale-out end-to-end tests: one call makes a
 * namespace host (test/helpers/netns.ts) that hides the server's data dir, rewrites every loopback URL
 * among the worker's arguments and the given environment to the forwarder that reaches it, and starts
 * `node src/cli/main.ts worker ...` from the repository with the Node running the tests. The worker sees
 * its own hostname and PID namespace (a low pid there; its pid here is `workerPid()`), so the nodes a
 * compute lists are told apart as machines would be. Its output is kept, so a failing test can show it.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { assertVisible, commandPid, createNetnsHost, rewriteLoopbackUrl, type NetnsHost } from './netns.ts';

/** How much of the worker's output is kept: the end, where the reason it stopped is. */
const KEPT_OUTPUT = 1024 * 1024;

export interface NetnsWorkerOptions {
  /** The repository whose src/cli/main.ts runs; it must not be under a hidden directory. */
  repoDir: string;
  /**
   * What follows `worker` (e.g. `--database URL --queue URL --compute cpu`). A loopback URL, alone or
   * as `--flag=URL`, is rewritten to reach its service through the forwarder.
   */
  args: readonly string[];
  /** Added to this process's environment; loopback URLs among these values are rewritten too. */
  env?: Readonly<Record<string, string>>;
  /** Directories that do not exist inside (the server's data dir, or a folder holding it). */
  hide: readonly string[];
}

export interface NetnsWorker {
  /** The namespace: its `hostAddress`, `forwardUrl` for more URLs, `signal` for a graceful stop. */
  host: NetnsHost;
  /** `unshare` around the worker: SIGKILL to it kills the worker and every process it started. */
  child: ChildProcess;
  /** The worker's own pid on this machine (another inside its PID namespace), once it has started. */
  workerPid(): number | undefined;
  /** Everything it wrote to stdout and stderr, interleaved (the last megabyte). */
  output(): string;
  /** Kills everything inside and removes the namespace; safe to call twice. */
  close(): Promise<void>;
}

/** `arg` with its URL (the whole of it, or after `--flag=`) rewritten when it names loopback. */
async function rewriteArg(host: NetnsHost, arg: string): Promise<string> {
  const flag = /^(--[^=]+=)(.*)$/.exec(arg);
  if (flag?.[1] !== undefined && flag[2] !== undefined) {
    return flag[1] + (await rewriteLoopbackUrl(host, flag[2]));
  }
  return rewriteLoopbackUrl(host, arg);
}

/** Starts `nightshift worker ...args` in a namespace host of its own; see the module's comment. */
export async function startWorkerInNetns(options: NetnsWorkerOptions): Promise<NetnsWorker> {
  assertVisible(options.repoDir, options.hide, 'the repository');
  assertVisible(process.execPath, options.hide, 'Node');
  const host = await createNetnsHost({ hide: options.hide });
  try {
    const args: string[] = [];
    for (const arg of options.args) args.push(await rewriteArg(host, arg));
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, value] of Object.entries(options.env ?? {})) {
      env[key] = await rewriteLoopbackUrl(host, value);
    }
    const main = join(options.repoDir, 'src', 'cli', 'main.ts');
    const child = host.spawn(process.execPath, [main, 'worker', ...args], { cwd: options.repoDir, env });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-KEPT_OUTPUT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return {
      host,
      child,
      workerPid: () => commandPid(child),
      output: () => output,
      close: () => host.close(),
    };
  } catch (error) {
    await host.close();
    throw error;
  }
}
