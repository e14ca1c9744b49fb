/**
 * The studio's Overview, Jobs list and Models pages in a real browser against a real server: the overview
 * shows a job running now with its progress and a failed job's first error; the jobs list's filters
 * change the URL and the rows, a pasted link with filters opens filtered, a value the server refuses is
 * shown beside its field, and the pages step forward and back; a model's page shows which jobs used its
 * version; a Reader sees the jobs and models a Reader may read; at 390 px the page never scrolls sideways.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import type { JobRecord } from '../../src/core/jobs.ts';
import { launchStudioBrowser, studioUrl } from '../helpers/browser.ts';
import { CHROMIUM, needs } from '../helpers/components.ts';
import { plannedJob, seedServerJobs, type SeedPlan } from '../helpers/job-seeds.ts';
import { folderBody, Nightshift, smallFiles, type JobView } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const FAILS = {
  file: 'fails.mjs',
  source: `export function run(miniBatch) {
  throw new Error('the scorer cannot read ' + miniBatch.length + ' files');
}
`,
};
const SLOW = {
  file: 'slow.mjs',
  source: `import { setTimeout as sleep } from 'node:timers/promises';
export async function run(miniBatch) {
  await sleep(1500);
  return miniBatch.map(() => 'ok');
}
`,
};

const PLAN: SeedPlan = {
  prefix: 'seed',
  count: 130,
  endpoints: ['alpha', 'beta'],
  deployments: ['blue', 'green', 'red'],
  statuses: ['Completed', 'Canceled', 'Completed'],
  creators: ['ann', 'bob'],
  newest: new Date(Date.now() - 3 * 3600_000),
  stepMs: 10 * 60_000,
};
const SEEDED: JobRecord[] = Array.from({ length: PLAN.count }, (_, i) => plannedJob(PLAN, i));
const expected = (keep: (j: JobRecord) => boolean) =>
  SEEDED.filter(keep)
    .map((j) => j.name)
    .reverse();

/** The job names in the table, top to bottom. */
async function rowNames(page: Page): Promise<string[]> {
  const table = page.getByRole('region', { name: /^Jobs, page/ });
  await table.waitFor();
  return table.locator('tbody tr td:first-child a').allTextContents();
}

/** Waits until the table's first row is the job `name` (the new page has arrived). */
async function firstRow(page: Page, name: string | undefined): Promise<void> {
  assert.ok(name);
  await page.locator('tbody tr').first().getByRole('link', { name, exact: true }).waitFor();
}

describe('studio: overview, jobs list and models', await needs(CHROMIUM), () => {
  let server: TestServer;
  let ns: Nightshift;
  let studio: Awaited<ReturnType<typeof launchStudioBrowser>>;
  let failed: JobView;
  let running: JobView;
  let code: string;

  before(async () => {
    server = await startServer();
    code = server.app.services.studio.signIn.code;
    ns = await Nightshift.connect(server.url);
    await ns.uploadFiles('inputs/overview', smallFiles(2));
    await ns.uploadFiles('inputs/slow', smallFiles(30, 's'));
    const failing = await ns.deploy({ script: FAILS, settings: { maxRetries: 0 } });
    failed = await ns.run(failing.scoringUri, folderBody('inputs/overview'));
    assert.equal(failed.properties.status, 'Failed');
    const slow = await ns.deploy({ script: SLOW, settings: { miniBatchSize: 1 } });
    running = await ns.start(slow.scoringUri, folderBody('inputs/slow'));
    await ns.waitUntil(running.name, (j) => j.properties.progress.miniBatches.succeeded >= 1, 30_000);
    await seedServerJobs(server.dataDir, PLAN);
    studio = await launchStudioBrowser();
  });

  after(async () => {
    await ns.request('POST', `${ns.ws}/jobs/${running.name}/cancel`);
    await studio.close();
    await server.stop();
  });

  test('the overview shows a running job with its progress and a failure with its first error', async () => {
    const { page } = studio;
    await page.goto(studioUrl(server.url, code, '/studio/'));
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    const runningList = page.getByRole('list', { name: 'Running jobs' });
    await runningList.getByRole('link', { name: running.name }).waitFor();
    await runningList
      .getByRole('progressbar', { name: new RegExp(`^${running.name}: \\d+ of 30 mini-batches`) })
      .waitFor();
    const failures = page.getByRole('list', { name: 'Recent failures' });
    await failures.getByRole('link', { name: failed.name }).waitFor();
    assert.match((await failures.textContent()) ?? '', /UserScriptError: the scorer cannot read \d+ files/);
    await page.getByRole('img', { name: /jobs in the last 14 days/ }).waitFor();
    await page.getByRole('link', { name: failed.name }).click();
    await page.waitForURL(`**/studio/jobs/${failed.name}`);
    assert.deepEqual(studio.errors, []);
  });

  test('filters change the URL and the rows; a pasted link opens filtered', async () => {
    const { page } = studio;
    await page.goto(`${server.url}/studio/jobs`);
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    assert.equal((await rowNames(page)).length, 50);
    await page.getByLabel('Created by').fill('bob');
    await page.getByLabel('Deployment').fill('green');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/creator=bob/);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('deployment'), 'green');
    const want = expected((j) => j.systemData.createdBy === 'bob' && j.deploymentName === 'green');
    await firstRow(page, want[0]);
    assert.deepEqual(await rowNames(page), want);

    await page.goto(`${server.url}/studio/jobs?endpoint=beta&status=Canceled`);
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    assert.deepEqual(
      await rowNames(page),
      expected((j) => j.endpointName === 'beta' && j.status === 'Canceled'),
    );
    assert.equal(await page.getByLabel('Status').inputValue(), 'Canceled');
    assert.equal(await page.getByLabel('Endpoint').inputValue(), 'beta');
  });

  test('a value the server refuses is shown beside its field, as typed', async () => {
    const { page } = studio;
    await page.goto(`${server.url}/studio/jobs`);
    await page.getByLabel('Created since').fill('last tuesday');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const message = page.locator('#filter-since-error');
    await message.waitFor();
    assert.match((await message.textContent()) ?? '', /'since' must be an ISO 8601 date/);
    assert.equal(await page.getByLabel('Created since').inputValue(), 'last tuesday');
  });

  test('next and previous page step through the jobs, and the page is in the URL', async () => {
    const { page } = studio;
    await page.goto(`${server.url}/studio/jobs?endpoint=alpha`);
    const all = expected((j) => j.endpointName === 'alpha');
    assert.deepEqual(await rowNames(page), all.slice(0, 50));
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2', { exact: true }).waitFor();
    await firstRow(page, all[50]);
    assert.deepEqual(await rowNames(page), all.slice(50, 100));
    assert.ok(new URL(page.url()).searchParams.get('page'), 'the page is in the URL');
    await page.reload();
    await page.getByText('Page 2', { exact: true }).waitFor();
    assert.deepEqual(await rowNames(page), all.slice(50, 100), 'a reload opens the same page');
    assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true, 'the last page');
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByText('Page 1', { exact: true }).waitFor();
    assert.deepEqual(await rowNames(page), all.slice(0, 50));
  });

  test('a model page shows which jobs used its version', async () => {
    const { model } = failed.properties as unknown as { model: { name: string; version: string } };
    const { page } = studio;
    await page.goto(`${server.url}/studio/models`);
    await page.getByRole('link', { name: model.name }).click();
    await page.getByRole('heading', { name: `Model ${model.name}` }).waitFor();
    const row = page.getByRole('row', { name: new RegExp(`^${model.version}\\b`) });
    await row.getByRole('link', { name: failed.name }).waitFor();
  });

  test('a Reader sees the jobs and models a Reader may read', async () => {
    const created = await server.call('POST', '/nightshift/servicePrincipals', {
      displayName: 'studio-reader',
    });
    const sp = created.body as { appId: string; password: string };
    const granted = await server.call('POST', '/nightshift/roleAssignments', {
      assignee: sp.appId,
      role: 'Reader',
      scope: server.ws,
    });
    assert.equal(granted.status, 201, JSON.stringify(granted.body));
    const reader = await launchStudioBrowser();
    try {
      const { page } = reader;
      await page.goto(`${server.url}/studio/jobs?status=Failed`);
      await page.getByLabel('Application (client) id').fill(sp.appId);
      await page.getByLabel('Client secret').fill(sp.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
      assert.deepEqual(await rowNames(page), [failed.name]);
      await page.getByRole('link', { name: 'Models' }).click();
      await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();
      await page.getByRole('table').waitFor();
      assert.equal(await page.getByRole('alert').count(), 0);
    } finally {
      await reader.close();
    }
  });

  test('at 390 px the overview and the jobs list do not scroll sideways', async () => {
    const phone = await launchStudioBrowser({ width: 390, height: 844, colorScheme: 'dark' });
    try {
      const { page } = phone;
      await page.goto(studioUrl(server.url, code, '/studio/'));
      await page.getByRole('list', { name: 'Recent failures' }).waitFor();
      await page.getByRole('img', { name: /jobs in the last 14 days/ }).waitFor();
      await sleep(300);
      const overflow = async () =>
        Number(
          await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'),
        );
      assert.equal(await overflow(), 0, 'overview');
      await page.goto(`${server.url}/studio/jobs`);
      await rowNames(page);
      assert.equal(await overflow(), 0, 'jobs list');
      await page.goto(`${server.url}/studio/models`);
      await page.getByRole('table').waitFor();
      assert.equal(await overflow(), 0, 'models');
    } finally {
      await phone.close();
    }
  });
});
