/**
 * The jobs list over REST and the CLI (issue 14, Jobs): every filter (endpoint, deployment, status,
 * creator, since, until) on a few hundred seeded jobs, keyset pages that follow nextLink to every match
 * exactly once, a 400 naming the parameter (and saying how to fix it) for each bad value, hostile values
 * that find nothing rather than break anything, an invoker that pages through its own jobs only, and
 * the per-day counts the endpoint chart draws.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobRecord } from '../../src/core/jobs.ts';
import { jsonOf, runCli } from '../helpers/cli.ts';
import { plannedJob, seedServerJobs, type SeedPlan } from '../helpers/job-seeds.ts';
import {
  callAs,
  principalWithRole,
  startAttackServer,
  type AttackServer,
  type RolePrincipal,
} from '../helpers/security-principals.ts';

const PLAN: SeedPlan = {
  prefix: 'lf',
  count: 240,
  endpoints: ['alpha', 'beta', 'gamma'],
  deployments: ['blue', 'green'],
  statuses: ['Completed', 'Failed', 'Canceled', 'Completed', 'Failed'],
  creators: ['ann', 'bob', 'cy', 'dee'],
  newest: new Date(Date.now() - 3600_000),
  stepMs: 2 * 3600_000,
};
const SEEDED: JobRecord[] = Array.from({ length: PLAN.count }, (_, i) => plannedJob(PLAN, i));

interface ListBody {
  value: { name: string }[];
  nextLink: string | null;
}
interface ErrorBody {
  error: { code: string; message: string; details: { target?: string }[] };
}

let server: AttackServer;
let invoker: RolePrincipal;

/** The names a filter should give, newest first. */
const expected = (keep: (job: JobRecord) => boolean) =>
  SEEDED.filter(keep)
    .map((j) => j.name)
    .reverse();

async function get(path: string, who?: RolePrincipal) {
  return callAs(server, who, 'GET', path);
}

/** Every page of a query, following nextLink (as the path and query the link names). */
async function everyPage(query: string, who?: RolePrincipal): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let path: string | null = `${server.ws}/jobs?${query}`;
  let pages = 0;
  while (path) {
    const reply = await get(path, who);
    assert.equal(reply.status, 200, reply.text);
    const body = reply.json as ListBody;
    names.push(...body.value.map((j) => j.name));
    pages += 1;
    path =
      body.nextLink === null ? null : `${new URL(body.nextLink).pathname}${new URL(body.nextLink).search}`;
  }
  return { names, pages };
}

before(async () => {
  server = await startAttackServer();
  invoker = await principalWithRole(server, 'Batch Endpoint Invoker');
  await seedServerJobs(server.dataDir, PLAN);
  // Three jobs the invoker created (by object id, as the server records a caller's jobs).
  await seedServerJobs(server.dataDir, {
    prefix: 'mine',
    count: 3,
    endpoints: ['alpha'],
    creators: [invoker.appId],
    creatorId: invoker.objectId,
    newest: new Date(Date.now() - 60_000),
  });
});

after(async () => {
  await server.stop();
});

describe('jobs list: filters and pages over REST', () => {
  test('a page holds 100 jobs by default; nextLink leads through every job once, newest first', async () => {
    const first = (await get(`${server.ws}/jobs`)).json as ListBody;
    assert.equal(first.value.length, 100);
    assert.match(first.nextLink ?? '', /[?&]\$skipToken=/);
    const { names, pages } = await everyPage('$top=70');
    assert.equal(pages, Math.ceil((PLAN.count + 3) / 70));
    assert.equal(new Set(names).size, names.length, 'no job twice');
    assert.deepEqual(
      names.filter((n) => n.startsWith('lf-')),
      expected(() => true),
    );
  });

  test('each filter narrows, in any case, and they combine', async () => {
    const names = async (query: string) => (await everyPage(`${query}&$top=40`)).names;
    assert.deepEqual(
      await names('endpoint=BETA'),
      expected((j) => j.endpointName === 'beta'),
    );
    assert.deepEqual(
      await names('endpoint=gamma&deployment=Green'),
      expected((j) => j.endpointName === 'gamma' && j.deploymentName === 'green'),
    );
    assert.deepEqual(
      await names('status=failed,Canceled'),
      expected((j) => j.status === 'Failed' || j.status === 'Canceled'),
    );
    assert.deepEqual(
      await names('creator=Bob'),
      expected((j) => j.systemData.createdBy === 'bob'),
    );
    assert.deepEqual(
      (await names('model=M&modelVersion=1&endpoint=alpha')).filter((n) => n.startsWith('lf-')),
      expected((j) => j.endpointName === 'alpha'),
    );
    assert.deepEqual(await names('model=m&modelVersion=9'), []);
    const since = SEEDED[100]?.systemData.createdAt ?? '';
    const until = SEEDED[150]?.systemData.createdAt ?? '';
    assert.deepEqual(
      await names(`since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`),
      expected((j) => j.systemData.createdAt >= since && j.systemData.createdAt < until),
    );
    const day = since.slice(0, 10);
    assert.deepEqual(
      await names(`since=${day}&until=${day}&endpoint=alpha`),
      expected((j) => j.systemData.createdAt.slice(0, 10) === day && j.endpointName === 'alpha'),
      'a date-only until takes in the whole day',
    );
  });

  test('the endpoint and deployment routes page the same way', async () => {
    const reply = await get(`${server.ws}/batchEndpoints/beta/jobs?$top=5&status=Completed`);
    assert.equal(reply.status, 200, reply.text);
    const body = reply.json as ListBody;
    assert.deepEqual(
      body.value.map((j) => j.name),
      expected((j) => j.endpointName === 'beta' && j.status === 'Completed').slice(0, 5),
    );
    assert.ok(body.nextLink?.includes('/batchEndpoints/beta/jobs?'), body.nextLink ?? 'no nextLink');
  });

  test('a bad parameter is a 400 that names it and says how to fix it', async () => {
    const cases: [string, string, RegExp][] = [
      ['status=Bogus', 'status', /use one or more of NotStarted/],
      ['since=2026-13-45', 'since', /ISO 8601/],
      ['until=2026-02-31', 'until', /ISO 8601/],
      ['since=yesterday', 'since', /e\.g\. 2026-01-31/],
      ['since=2026-02-01&until=2026-01-01', 'until', /later than since/],
      ['$top=0', '$top', /must be >= 1/],
      ['$top=2.5', '$top', /must be integer/],
      ['$top=1e400', '$top', /whole number/],
      ['$skipToken=garbage', '$skipToken', /nextLink/],
      [`$skipToken=${Buffer.from('{"after":-5}').toString('base64url')}`, '$skipToken', /nextLink/],
      ['endpoint=a&endpoint=b', 'endpoint', /must be string/],
      [`creator=${'x'.repeat(300)}`, 'creator', /longer than/],
      ['deployment=%01blue', 'deployment', /control character/],
      ['modelVersion=1', 'modelVersion', /needs model/],
    ];
    for (const [query, param, fix] of cases) {
      const reply = await get(`${server.ws}/jobs?${query}`);
      assert.equal(reply.status, 400, `${query}: ${reply.text}`);
      const { error } = reply.json as ErrorBody;
      assert.equal(error.details[0]?.target, param, `${query} names ${param}: ${reply.text}`);
      assert.ok(error.message.includes(`'${param}'`), error.message);
      assert.match(error.message, fix);
    }
  });

  test('hostile values find nothing and break nothing', async () => {
    for (const value of ["x' OR '1'='1", '%', '_', '*', '../../etc', '<script>alert(1)</script>', '😀']) {
      const reply = await get(`${server.ws}/jobs?creator=${encodeURIComponent(value)}`);
      assert.equal(reply.status, 200, `${value}: ${reply.text}`);
      assert.deepEqual((reply.json as ListBody).value, [], value);
    }
    const nul = await get(`${server.ws}/jobs?endpoint=%00`);
    assert.equal(nul.status, 400, nul.text);
    // An endpoint nobody has is not found, as before the list had filters.
    const none = await get(`${server.ws}/jobs?endpoint=nowhere`);
    assert.equal(none.status, 404, none.text);
  });

  test('an invoker pages through its own jobs only, whatever filter it asks for', async () => {
    const { names } = await everyPage('$top=2', invoker);
    assert.deepEqual(names, ['mine-00002', 'mine-00001', 'mine-00000']);
    assert.deepEqual((await everyPage('creator=ann', invoker)).names, []);
  });

  test("jobStats counts an endpoint's jobs per UTC day by status, every day present", async () => {
    const reply = await get(`${server.ws}/batchEndpoints/alpha/jobStats?days=7`);
    assert.equal(reply.status, 200, reply.text);
    const body = reply.json as {
      days: number;
      value: { day: string; counts: Record<string, number>; total: number }[];
    };
    assert.equal(body.value.length, 7);
    const first = body.value[0]?.day ?? '';
    // The seeded jobs of that week, and the invoker's three (created in the last minutes).
    const inRange = SEEDED.filter(
      (j) => j.endpointName === 'alpha' && j.systemData.createdAt.slice(0, 10) >= first,
    );
    assert.equal(
      body.value.reduce((n, d) => n + d.total, 0),
      inRange.length + 3,
    );
    const day = body.value[2];
    assert.ok(day);
    for (const status of ['Completed', 'Failed', 'Canceled']) {
      const seeded: JobRecord[] = inRange.filter(
        (j) => j.status === status && j.systemData.createdAt.startsWith(day.day),
      );
      assert.equal(day.counts[status] ?? 0, seeded.length, `${day.day} ${status}`);
    }
    const bad = await get(`${server.ws}/batchEndpoints/alpha/jobStats?days=500`);
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.text, /days/);
    const missing = await get(`${server.ws}/batchEndpoints/nowhere/jobStats`);
    assert.equal(missing.status, 404, missing.text);
  });
});

describe('jobs list: the CLI', () => {
  const cli = (...args: string[]) => runCli(['job', 'list', '-o', 'json', ...args], { server: server.url });

  test('job list filters as the server does and follows nextLink past one page', async () => {
    const listed = jsonOf(await cli('--status', 'Failed', '--max-results', '1500')) as { name: string }[];
    assert.deepEqual(
      listed.map((j) => j.name),
      expected((j) => j.status === 'Failed'),
    );
    const few = jsonOf(
      await cli(
        '--endpoint-name',
        'alpha',
        '--deployment-name',
        'blue',
        '--created-by',
        'ann',
        '--max-results',
        '3',
      ),
    ) as { name: string }[];
    assert.deepEqual(
      few.map((j) => j.name),
      expected(
        (j) => j.endpointName === 'alpha' && j.deploymentName === 'blue' && j.systemData.createdBy === 'ann',
      ).slice(0, 3),
    );
  });

  test('job list finds the jobs a model version scored', async () => {
    const listed = jsonOf(
      await cli('--model', 'M', '--model-version', '1', '--endpoint-name', 'gamma', '--max-results', '500'),
    ) as { name: string }[];
    assert.deepEqual(
      listed.map((j) => j.name),
      expected((j) => j.endpointName === 'gamma'),
    );
  });

  test('a bad filter exits non-zero with the server message naming it', async () => {
    const result = await cli('--since', 'last-week');
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /'since'/);
  });
});
