/**
 * (h) How fast the CLI answers: `nightshift --help` and `nightshift batch-endpoint show` against a
 * running server, each a fresh process as a user's shell starts it, through the launcher users run
 * (bin/nightshift.js on the project's Node). Measured with Node's compile cache warm (the launcher keeps
 * it in node_modules/.cache; every run after the first), without it (NODE_DISABLE_COMPILE_CACHE=1: a
 * first run), and through `npx`, which adds npm's own start-up. The reference to beat is `az ml`: the
 * Azure CLI spends 1.3 s loading the ml extension alone on every command, before any work (its --debug
 * log in Azure/azure-cli#27486: `ml 1.335 s`), and a command as a whole takes 2 s or more
 * (Azure/azure-cli#7447). Medians of interleaved runs; nothing here asserts a threshold.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app.ts';
import { audienceForPath } from '../src/auth/audiences.ts';
import { resolveTokenSource } from '../src/cli/credentials.ts';
import { loadConfig } from '../src/config.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LAUNCHER = join(ROOT, 'bin/nightshift.js');
const REPEATS = 9;
/** Azure CLI's ml extension load time per command, from the --debug log in Azure/azure-cli#27486. */
const AZ_ML_EXTENSION_LOAD_MS = 1335;

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
}

/** Runs one command to its end and returns its wall time; a failure stops the bench with its stderr. */
function timed(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(performance.now() - started);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

interface Variant {
  label: string;
  command: string;
  prefix: string[];
  env: NodeJS.ProcessEnv;
  repeats: number;
}

export async function cliBench(): Promise<void> {
  console.log(`\n(h) CLI start: a fresh process per command, median of ${REPEATS} interleaved runs`);
  const dataDir = await mkdtemp(join(tmpdir(), 'ns-bench-cli-'));
  const app = await createApp(
    loadConfig({ flags: { dataDir, port: '0' }, env: { NIGHTSHIFT_SPARE_WORKERS: '0' } }),
  );
  try {
    const url = await app.start();
    const tokens = resolveTokenSource({ server: url, env: {}, dataDir });
    const ws = ((await (await fetch(`${url}/info`)).json()) as { workspaceId: string }).workspaceId;
    const path = `${ws}/batchEndpoints/bench-cli`;
    const created = await fetch(`${url}${path}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${(await tokens?.token(audienceForPath(path))) ?? ''}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ properties: {} }),
    });
    if (!created.ok) throw new Error(`PUT ${path} -> ${created.status}`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NIGHTSHIFT_SERVER: url,
      NIGHTSHIFT_DATA_DIR: dataDir,
      NIGHTSHIFT_CONFIG_DIR: join(dataDir, 'cli-config'),
    };
    delete env.NODE_COMPILE_CACHE;
    const variants: Variant[] = [
      { label: 'compile cache warm', command: process.execPath, prefix: [LAUNCHER], env, repeats: REPEATS },
      {
        label: 'no compile cache  ',
        command: process.execPath,
        prefix: [LAUNCHER],
        env: { ...env, NODE_DISABLE_COMPILE_CACHE: '1' },
        repeats: REPEATS,
      },
      { label: 'through npx       ', command: 'npx', prefix: ['--no', 'nightshift'], env, repeats: 3 },
    ];
    const commands: [string, string[]][] = [
      ['--help                 ', ['--help']],
      ['batch-endpoint show    ', ['batch-endpoint', 'show', '-n', 'bench-cli']],
    ];
    // One run fills the compile cache, as a user's first command does.
    for (const [, args] of commands) await timed(process.execPath, [LAUNCHER, ...args], env);
    const results = new Map<string, number[]>();
    for (let r = 0; r < REPEATS; r++) {
      for (const variant of variants) {
        if (r >= variant.repeats) continue;
        for (const [name, args] of commands) {
          const key = `${name} ${variant.label}`;
          const ms = await timed(variant.command, [...variant.prefix, ...args], variant.env);
          results.set(key, [...(results.get(key) ?? []), ms]);
        }
      }
    }
    for (const [key, times] of results) {
      const ms = median(times);
      console.log(
        `  ${key}  ${ms.toFixed(0).padStart(5)} ms  = 1/${(AZ_ML_EXTENSION_LOAD_MS / ms).toFixed(1)} of az ml's extension load`,
      );
    }
    console.log(
      `  reference: az ml loads its extension in ${AZ_ML_EXTENSION_LOAD_MS} ms on every command (Azure/azure-cli#27486)`,
    );
  } finally {
    await app.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) await cliBench();
