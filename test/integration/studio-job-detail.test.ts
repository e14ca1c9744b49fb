/**
 * The job page in a real browser against a real server, with jobs started through the API as a client
 * would: a running job's progress is followed live to Completed (no reload), a failing job shows its first
 * error up front and its error log, the output's first rows and its download match the file the job
 * wrote, cancel is confirmed and ends the job, a Reader sees cancel disabled with the role named and the
 * output's 403 as a message, and at 390 px the page never scrolls sideways.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { CHROMIUM, needs } from '../helpers/components.ts';
import { launchStudioBrowser, studioUrl, type StudioBrowser } from '../helpers/browser.ts';
import { folderBody, Nightshift, smallFiles, TERMINAL } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const SLOW_SCRIPT = {
  file: 'slow.mjs',
  source: `import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
export async function run(miniBatch) {
  await sleep(200);
  return miniBatch.map((file) => basename(file) + ',scored');
}
`,
};

describe('studio job detail', await needs(CHROMIUM), () => {
  let server: TestServer;
  let ns: Nightshift;
  let studio: StudioBrowser & { errors: Error[] };
  let code: string;
  let slow: string;
  const input = 'inputs/studio-job';

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
    code = server.app.services.studio.signIn.code;
    await ns.uploadFiles(input, smallFiles(24));
    slow = (await ns.deploy({ script: SLOW_SCRIPT, settings: { miniBatchSize: 1 } })).scoringUri;
    studio = await launchStudioBrowser();
  });
  after(async () => {
    await studio.close();
    await server.stop();
  });

  const open = async (page: Page, job: string) => {
    await page.goto(studioUrl(server.url, code, `/studio/jobs/${job}`));
    await page.getByRole('heading', { name: `Job ${job}`, level: 1 }).waitFor();
  };
  const facts = (page: Page, term: string) =>
    page.locator('.job-progress dt', { hasText: term }).locator('xpath=following-sibling::dd[1]');

  test("a running job's progress is followed live to Completed, with rows/s and time left", async () => {
    const job = await ns.start(slow, folderBody(input));
    const { page } = studio;
    await open(page, job.name);
    await page.getByText('live', { exact: true }).waitFor({ timeout: 10_000 });
    const seen = new Set<string>();
    const estimates = new Set<string>();
    for (let i = 0; i < 200; i++) {
      seen.add((await facts(page, 'Status').textContent()) ?? '');
      estimates.add((await facts(page, 'Time left').textContent()) ?? '');
      if (seen.has('Completed')) break;
      await page.waitForTimeout(100);
    }
    assert.ok(seen.has('Completed'), `statuses seen: ${[...seen].join(', ')}`);
    assert.ok(
      [...seen].some((s) => !TERMINAL.includes(s)),
      `it was seen running: ${[...seen].join(', ')}`,
    );
    assert.equal(await page.getByRole('progressbar', { name: 'Items done' }).getAttribute('value'), '24');
    assert.equal(await facts(page, 'Time left').textContent(), 'done');
    assert.ok(
      [...estimates].some((e) => /^\d+ s$|^\d+ min \d+ s$/.test(e)),
      `a time left was estimated while it ran: ${[...estimates].join(', ')}`,
    );
    assert.match((await facts(page, 'Rows/s').textContent()) ?? '', /^\d+\.\d$/);
    assert.match((await facts(page, 'Worker-seconds').textContent()) ?? '', /^[1-9]\d*\.\d$|^0\.[1-9]$/);
    await page.getByText('final', { exact: true }).waitFor();
    await page
      .getByRole('region', { name: 'Mini-batch table' })
      .getByRole('cell', { name: 'succeeded' })
      .first()
      .waitFor();
    await page.locator('.job-chart svg').first().waitFor({ timeout: 10_000 });
    assert.deepEqual(studio.errors, []);
  });

  test('a stream the server closed before the job ended is opened again', async () => {
    const job = await ns.start(slow, folderBody(input));
    const context = await studio.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    let cut = 0;
    // The first stream ends cleanly after one event of a running job, as a stopping server's would.
    await page.route('**/events?*', async (route) => {
      if (cut > 0) return route.continue();
      cut += 1;
      const running = {
        name: job.name,
        status: 'Running',
        result: null,
        startedAt: null,
        endedAt: null,
        error: null,
        ...job.properties.progress,
      };
      return route.fulfill({
        status: 200,
        contentType: 'text/event-stream',
        body: `retry: 1000\n\nid: cut\nevent: snapshot\ndata: ${JSON.stringify(running)}\n\n`,
      });
    });
    try {
      await open(page, job.name);
      await facts(page, 'Status').getByText('Completed').waitFor({ timeout: 20_000 });
      assert.equal(cut, 1, 'the cut stream was served');
      assert.equal(await page.getByRole('progressbar', { name: 'Items done' }).getAttribute('value'), '24');
    } finally {
      await context.close();
    }
  });

  test('the output preview shows the first rows and the download is the file the job wrote', async () => {
    const job = await ns.run(slow, folderBody(input));
    const { page } = studio;
    await open(page, job.name);
    const preview = page.getByLabel('First rows of the output');
    await preview.waitFor({ timeout: 10_000 });
    const lines = await ns.outputLines(job);
    const shown = ((await preview.textContent()) ?? '').split('\n');
    assert.deepEqual(shown, lines.slice(0, 20));
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: `Download ${job.properties.outputFileName}` }).click(),
    ]);
    assert.equal(download.suggestedFilename(), job.properties.outputFileName);
    const saved = await download.path();
    assert.equal((await readFile(saved, 'utf8')).replace(/\n$/, ''), lines.join('\n'));
    await page.getByRole('heading', { name: 'Manifest' }).waitFor();
    await page
      .getByText(/^sha256:|^[0-9a-f]{64}$/)
      .first()
      .waitFor();
  });

  test('a failing job shows its first error with its stack up front, and its error log', async () => {
    const folder = 'inputs/studio-bad';
    await ns.uploadFiles(folder, { 'a.txt': 'a\n', 'b-bad.txt': 'b\n', 'c.txt': 'c\n' });
    const { scoringUri } = await ns.deploy({
      script: 'throws-on-bad.ts',
      settings: { miniBatchSize: 1, errorThreshold: 0 },
    });
    const job = await ns.run(scoringUri, folderBody(folder));
    assert.equal(job.properties.status, 'Failed');
    const { page } = studio;
    await open(page, job.name);
    const first = page.getByRole('region', { name: 'First error' });
    await first.waitFor();
    assert.match((await first.textContent()) ?? '', /cannot score b-bad\.txt/);
    await first.getByLabel('Stack trace').waitFor();
    // The error log opens by default and shows the same error.
    const log = page.getByLabel('Log job_error.txt');
    await log.waitFor();
    assert.match((await log.textContent()) ?? '', /cannot score b-bad\.txt/);
    await page.getByRole('button', { name: 'job_result.txt' }).click();
    assert.match(new URL(page.url()).search, /log=job_result\.txt/);
    await page
      .getByLabel('Log job_result.txt')
      .getByText(/^Failed/)
      .waitFor();
  });

  test('cancel asks first, then ends the running job', async () => {
    const folder = 'inputs/studio-cancel';
    await ns.uploadFiles(folder, smallFiles(60, 'c'));
    const job = await ns.start(slow, folderBody(folder));
    const { page } = studio;
    await open(page, job.name);
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByRole('button', { name: 'Keep it running' }).click();
    assert.ok(!TERMINAL.includes((await ns.job(job.name)).properties.status), 'not cancelled without a yes');
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByRole('button', { name: 'Yes, cancel the job' }).click();
    await facts(page, 'Status').getByText('Canceled').waitFor({ timeout: 15_000 });
    assert.equal((await ns.job(job.name)).properties.status, 'Canceled');
  });

  test('a Reader sees cancel disabled with the role named, and the output refusal as a message', async () => {
    const sp = await ns.ok<{ appId: string; password: string }>('POST', '/nightshift/servicePrincipals', {
      json: { displayName: 'studio-job-reader' },
    });
    await ns.ok('POST', '/nightshift/roleAssignments', {
      json: { assignee: sp.appId, role: 'Reader', scope: ns.ws },
    });
    const folder = 'inputs/studio-reader';
    await ns.uploadFiles(folder, smallFiles(60, 'r'));
    const job = await ns.start(slow, folderBody(folder));
    const context = await studio.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/studio/jobs/${job.name}`);
      await page.getByLabel('Application (client) id').fill(sp.appId);
      await page.getByLabel('Client secret').fill(sp.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: `Job ${job.name}`, level: 1 }).waitFor();
      const cancel = page.getByRole('button', { name: 'Cancel job' });
      // Enabled until the permissions answer arrives; then disabled for good.
      for (let i = 0; i < 100 && !(await cancel.isDisabled()); i++) await page.waitForTimeout(100);
      assert.equal(await cancel.isDisabled(), true);
      assert.match((await cancel.getAttribute('title')) ?? '', /Needs one of the roles .*Contributor/);
      await page.getByText(/Needs one of the roles .*jobs\/cancel\/action/).waitFor();
      // ...and that reason is the button's accessible description, so a screen reader hears it.
      const reasonId = (await cancel.getAttribute('aria-describedby')) ?? '';
      assert.match(
        (await page.locator(`[id="${reasonId}"]`).textContent()) ?? '',
        /Needs one of the roles .*jobs\/cancel\/action/,
      );
      const output = page.getByRole('region', { name: 'Output' });
      await output.getByText('You do not have permission').waitFor();
      // The refusal stays while the running job's changes refresh the page (it once blinked to "Loading").
      for (let i = 0; i < 30; i++) {
        assert.match((await output.textContent()) ?? '', /jobs\/outputs\/read/);
        await page.waitForTimeout(150);
      }
      await page.getByRole('region', { name: 'Manifest' }).getByText('You do not have permission').waitFor();
      // What a Reader may read is still there.
      await page.getByRole('heading', { name: 'Mini-batches' }).waitFor();
      await page.getByRole('progressbar', { name: 'Items done' }).waitFor();
    } finally {
      await context.close();
      await ns.request('POST', `${ns.ws}/jobs/${job.name}/cancel`);
    }
  });

  test("a Reader of another endpoint sees the job's refusal as a message, not a blank page", async () => {
    const other = await ns.deploy({ script: 'strings.ts' });
    const sp = await ns.ok<{ appId: string; password: string }>('POST', '/nightshift/servicePrincipals', {
      json: { displayName: 'studio-other-reader' },
    });
    await ns.ok('POST', '/nightshift/roleAssignments', {
      json: { assignee: sp.appId, role: 'Reader', scope: `${ns.ws}/batchEndpoints/${other.endpoint}` },
    });
    const job = await ns.run(slow, folderBody(input));
    const context = await studio.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/studio/jobs/${job.name}`);
      await page.getByLabel('Application (client) id').fill(sp.appId);
      await page.getByLabel('Client secret').fill(sp.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: `Job ${job.name}`, level: 1 }).waitFor();
      // The page's refusal of the job (the header says apart that there is no role on the workspace).
      const alert = page
        .getByRole('main')
        .getByRole('alert')
        .filter({ hasText: /jobs\/read/ })
        .first();
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /You do not have permission/);
    } finally {
      await context.close();
    }
  });

  test('at 390 px wide the page does not scroll sideways', async () => {
    const folder = 'inputs/studio-narrow';
    await ns.uploadFiles(folder, {
      'a-long-file-name-that-goes-on-and-on-and-on.txt': 'a\n',
      'x-bad.txt': 'x\n',
    });
    const { scoringUri } = await ns.deploy({ script: 'throws-on-bad.ts', settings: { miniBatchSize: 1 } });
    const job = await ns.run(scoringUri, folderBody(folder));
    const context = await studio.browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    try {
      await open(page, job.name);
      await page.getByRole('region', { name: 'Mini-batch table' }).waitFor();
      await page.getByLabel('First rows of the output').waitFor();
      await page.locator('.job-chart svg').first().waitFor({ timeout: 10_000 });
      // A string: the test's own TypeScript has no DOM types, the page has.
      const [scroll, client] = await page.evaluate<[number, number]>(
        '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
      );
      assert.ok(scroll <= client, `page is ${scroll} px wide in a ${client} px window`);
    } finally {
      await context.close();
    }
  });
});
