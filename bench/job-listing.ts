/**
 * `npm run bench:job-listing [JOBS]`: what server-side paging buys on a big job history. Seeds JOBS
 * (default 10,000) ended jobs into an embedded server's store across endpoints, deployments, statuses and
 * creators, then times over HTTP, as the studio and the CLI call it: the first page (100, the default),
 * a page deep in the history (through its nextLink token), a filtered page, and one call listing every
 * job (`$top=JOBS`, what a client without paging would do). Prints the medians and how many times longer
 * listing everything takes than one page. Figures only; nothing here asserts a time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.ts';
import { audienceForPath } from '../src/auth/audiences.ts';
import { resolveTokenSource } from '../src/cli/credentials.ts';
import { loadConfig } from '../src/config.ts';
import { seedServerJobs } from '../test/helpers/job-seeds.ts';

const JOBS = Number(process.argv[2] ?? 10_000);
const ROUNDS = 15;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ns-bench-job-listing-'));
  const app = await createApp(
    loadConfig({
      flags: { dataDir: dir, port: '0', logLevel: 'warn' },
      env: { NIGHTSHIFT_SPARE_WORKERS: '0' },
    }),
  );
  const url = await app.start();
  try {
    const seeding = performance.now();
    await seedServerJobs(dir, {
      prefix: 'bench',
      count: JOBS,
      endpoints: ['alpha', 'beta', 'gamma', 'delta'],
      deployments: ['blue', 'green'],
      statuses: ['Completed', 'Completed', 'Failed', 'Canceled', 'Completed'],
      creators: ['ann', 'bob', 'cy'],
      stepMs: 90_000,
    });
    console.log(`Seeded ${JOBS} jobs in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
    const tokens = resolveTokenSource({ server: url, env: {}, dataDir: dir });
    const ws = ((await (await fetch(`${url}/info`)).json()) as { workspaceId: string }).workspaceId;
    const header = { authorization: `Bearer ${(await tokens?.token(audienceForPath(`${ws}/jobs`))) ?? ''}` };
    const timed = async (path: string): Promise<{ ms: number; count: number; next: string | null }> => {
      const t = performance.now();
      const response = await fetch(path.startsWith('http') ? path : `${url}${path}`, { headers: header });
      const body = (await response.json()) as { value: unknown[]; nextLink: string | null };
      if (!response.ok) throw new Error(`GET ${path} -> ${response.status}: ${JSON.stringify(body)}`);
      return { ms: performance.now() - t, count: body.value.length, next: body.nextLink };
    };
    // A token from deep in the history: follow nextLink to the middle once, then time that page.
    let deep = `${ws}/jobs?$top=1000`;
    for (let i = 0; i < Math.floor(JOBS / 2000); i++) deep = (await timed(deep)).next ?? deep;
    deep = deep.replace('$top=1000', '$top=100');
    const cases: [string, string][] = [
      ['first page (100)', `${ws}/jobs`],
      ['page in the middle (100)', deep],
      ['filtered page (beta, Failed, bob)', `${ws}/jobs?endpoint=beta&status=Failed&creator=bob`],
      [`every job in one call ($top=${JOBS})`, `${ws}/jobs?$top=${JOBS}`],
    ];
    const results = new Map<string, { ms: number[]; count: number }>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [label, path] of cases) {
        const { ms, count } = await timed(path);
        const entry = results.get(label) ?? { ms: [], count };
        entry.ms.push(ms);
        results.set(label, entry);
      }
    }
    console.log(`Median of ${ROUNDS} calls each, over HTTP with a token:`);
    for (const [label, { ms, count }] of results)
      console.log(`  ${label.padEnd(40)} ${median(ms).toFixed(1).padStart(8)} ms  (${count} jobs)`);
    const one = median(results.get('first page (100)')?.ms ?? []);
    const all = median(results.get(`every job in one call ($top=${JOBS})`)?.ms ?? []);
    console.log(`  listing everything / one page = ${(all / one).toFixed(1)}x`);
  } finally {
    await app.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
