/**
 * Worker seconds and /metrics against a real server: a job's `workerSeconds` sums its attempts (the last
 * attempt of each mini-batch is in processed_mini-batches.csv; retried attempts add to it), `job show`
 * prints it, and the Prometheus exposition, scraped with a service principal's token as a monitoring
 * system would, counts the job's attempts and worker seconds; without a token, or with a role that cannot
 * read, the scrape is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { jsonOf, runCli } from '../helpers/cli.ts';
import { folderBody, Nightshift, smallFiles, type JobView } from '../helpers/jobs.ts';
import {
  principalWithRole,
  startAttackServer,
  type AttackServer,
  type RolePrincipal,
} from '../helpers/security-principals.ts';

/** Sleeps a little per mini-batch, so every attempt has a duration worth adding up. */
const SLOW_SCRIPT = {
  file: 'slow.mjs',
  source: `import { setTimeout as sleep } from 'node:timers/promises';
export async function run(miniBatch) {
  await sleep(120);
  return miniBatch.map((file) => file);
}
`,
};

/** Fails every attempt after a pause: each attempt's time is known, and only the last is in the report. */
const FAILING_SCRIPT = {
  file: 'failing.mjs',
  source: `import { setTimeout as sleep } from 'node:timers/promises';
export async function run() {
  await sleep(60);
  throw new Error('always fails');
}
`,
};

let server: AttackServer;
let ns: Nightshift;
let reader: RolePrincipal;

before(async () => {
  server = await startAttackServer();
  ns = await Nightshift.connect(server.url);
  reader = await principalWithRole(server, 'Reader');
  await ns.uploadFiles('inputs/metrics', smallFiles(3));
});

after(async () => {
  await server.stop();
});

/** The elapsed_ms column of the job's processed_mini-batches.csv: each mini-batch's last attempt. */
async function lastAttemptsMs(job: JobView): Promise<number[]> {
  const report = await ns.log(job.name, 'sys/job_report/processed_mini-batches.csv');
  const [header = '', ...rows] = report.trim().split('\n');
  const column = header.split(',').indexOf('elapsed_ms');
  return rows.map((row) => Number(row.split(',')[column]));
}

async function scrape(
  headers: Record<string, string>,
): Promise<{ status: number; text: string; type: string }> {
  const response = await fetch(`${server.url}/metrics`, { headers });
  return {
    status: response.status,
    text: await response.text(),
    type: response.headers.get('content-type') ?? '',
  };
}

/** The value of one sample of the exposition, labels matched exactly; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter(Boolean).sort().join(',');
    if (have === wanted) return Number(match[3]);
  }
  return undefined;
}

describe('worker seconds and /metrics', () => {
  let completed: JobView;
  let failed: JobView;
  let endpoint: string;
  let deployment: string;
  let failingDeployment: { endpoint: string; deployment: string };

  before(async () => {
    const slow = await ns.deploy({ script: SLOW_SCRIPT, settings: { miniBatchSize: 1 } });
    ({ endpoint, deployment } = slow);
    completed = await ns.run(slow.scoringUri, folderBody('inputs/metrics'), {}, 60_000);
    const failing = await ns.deploy({
      script: FAILING_SCRIPT,
      settings: { miniBatchSize: 3, maxRetries: 2 },
    });
    failingDeployment = { endpoint: failing.endpoint, deployment: failing.deployment };
    failed = await ns.run(failing.scoringUri, folderBody('inputs/metrics'), {}, 60_000);
  });

  test("a job's workerSeconds is the sum of its mini-batches' attempts", async () => {
    assert.equal(completed.properties.status, 'Completed', completed.properties.result ?? '');
    const seconds = (completed.properties as unknown as { workerSeconds: number }).workerSeconds;
    assert.ok(seconds > 0, `workerSeconds ${seconds}`);
    // One attempt per mini-batch: exactly what the report's durations add up to.
    const last = await lastAttemptsMs(completed);
    assert.equal(last.length, 3);
    assert.equal(seconds, last.reduce((a, b) => a + b, 0) / 1000);
    assert.equal(completed.properties.progress.workerSeconds, seconds);
  });

  test('retried attempts count too: more than the last attempt the report shows', async () => {
    assert.equal(failed.properties.status, 'Failed', failed.properties.result ?? '');
    const seconds = (failed.properties as unknown as { workerSeconds: number }).workerSeconds;
    const [last = 0] = await lastAttemptsMs(failed);
    // Three attempts were run, each sleeping 60 ms (50 ms allows for timer rounding); the report keeps the third.
    assert.ok(last >= 50, `last attempt ${last} ms`);
    assert.ok(seconds * 1000 >= last + 2 * 50, `workerSeconds ${seconds} for a last attempt of ${last} ms`);
  });

  test('job show prints worker seconds, as JSON and in the table', async () => {
    const args = ['job', 'show', '-n', completed.name];
    const shown = jsonOf(await runCli(args, { server: server.url })) as { worker_seconds: number };
    assert.equal(
      shown.worker_seconds,
      (completed.properties as unknown as { workerSeconds: number }).workerSeconds,
    );
    const table = await runCli([...args, '-o', 'table'], { server: server.url });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Worker seconds/);
    assert.match(table.stdout, new RegExp(`\\b${String(shown.worker_seconds).replace('.', '\\.')}\\b`));
  });

  test("a Reader's service principal token scrapes counters that match the jobs", async () => {
    const scraped = await scrape(await reader.header('/metrics'));
    assert.equal(scraped.status, 200, scraped.text);
    assert.match(scraped.type, /^text\/plain; version=0\.0\.4/);
    const { text } = scraped;
    const labels = { endpoint, deployment, compute: 'local' };

    assert.equal(sample(text, 'nightshift_mini_batches_started_total', labels), 3);
    assert.equal(sample(text, 'nightshift_mini_batches_succeeded_total', labels), 3);
    assert.equal(sample(text, 'nightshift_mini_batches_failed_total', labels) ?? 0, 0);
    const seconds = (completed.properties as unknown as { workerSeconds: number }).workerSeconds;
    const worked = sample(text, 'nightshift_worker_seconds_total', { endpoint, deployment });
    assert.ok(worked !== undefined && Math.abs(worked - seconds) < 1e-9, `${worked} vs ${seconds}`);

    const failing = { ...failingDeployment, compute: 'local' };
    assert.equal(sample(text, 'nightshift_mini_batches_started_total', failing), 3);
    assert.equal(sample(text, 'nightshift_mini_batches_retried_total', failing), 2);
    assert.equal(sample(text, 'nightshift_mini_batches_failed_total', failing), 1);
    // Six attempts in all, each one observed once in the duration histogram.
    assert.equal(sample(text, 'nightshift_mini_batch_duration_seconds_count', { compute: 'local' }), 6);
    assert.equal(sample(text, 'nightshift_jobs', { status: 'Completed' }), 1);
    assert.equal(sample(text, 'nightshift_jobs', { status: 'Failed' }), 1);
    assert.equal(sample(text, 'nightshift_jobs', { status: 'Running' }), 0);
    assert.equal(sample(text, 'nightshift_queue_depth', { compute: 'local' }), 0);
    assert.ok(sample(text, 'nightshift_workers', { compute: 'local' }) !== undefined);
  });

  test('a scrape without a token is 401; a role without the read is 403', async () => {
    assert.equal((await scrape({})).status, 401);
    const invoker = await principalWithRole(server, 'Batch Endpoint Invoker');
    assert.equal((await scrape(await invoker.header('/metrics'))).status, 403);
  });
});
