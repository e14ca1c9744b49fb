/**
 * (f) What checking every call costs: the same read (`GET .../batchEndpoints`) against two servers in this
 * process, one with token authentication and role checks, one started with `--auth none`, requests
 * interleaved so both meet the same machine. Prints the median latency of each and their ratio.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { audienceForPath } from '../src/auth/audiences.ts';
import { resolveTokenSource } from '../src/cli/credentials.ts';

const REQUESTS = 400;

async function start(auth: 'token' | 'none'): Promise<{ app: App; url: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), `ns-bench-auth-${auth}-`));
  const app = await createApp(
    loadConfig({
      // warn: the figures, not the server's info lines, are the bench's output.
      flags: { dataDir: dir, port: '0', auth, logLevel: 'warn' },
      env: { NIGHTSHIFT_SPARE_WORKERS: '0' },
    }),
  );
  return { app, url: await app.start(), dir };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

export async function accessBench(): Promise<void> {
  console.log(`\n(f) Cost of access control: GET batchEndpoints, ${REQUESTS} requests each, interleaved`);
  const checked = await start('token');
  const open = await start('none');
  try {
    const tokens = resolveTokenSource({ server: checked.url, env: {}, dataDir: checked.dir });
    const ws = ((await (await fetch(`${checked.url}/info`)).json()) as { workspaceId: string }).workspaceId;
    const path = `${ws}/batchEndpoints`;
    const header = { authorization: `Bearer ${(await tokens?.token(audienceForPath(path))) ?? ''}` };
    const timeOne = async (url: string, headers: Record<string, string>) => {
      const t = performance.now();
      const response = await fetch(`${url}${path}`, { headers });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`GET ${path} -> ${response.status}`);
      return performance.now() - t;
    };
    const withAuth: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      withAuth.push(await timeOne(checked.url, header));
      without.push(await timeOne(open.url, {}));
    }
    const a = median(withAuth);
    const b = median(without);
    console.log(`  with token + role check  ${a.toFixed(2)} ms`);
    console.log(`  --auth none              ${b.toFixed(2)} ms`);
    console.log(`  checked / unchecked = ${(a / b).toFixed(2)}`);
  } finally {
    for (const s of [checked, open]) {
      await s.app.stop();
      await rm(s.dir, { recursive: true, force: true });
    }
  }
}
