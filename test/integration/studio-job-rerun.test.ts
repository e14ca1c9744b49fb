/**
 * "Rerun failed" on the job page, in a real browser against a real server: a job where one file failed
 * (the script refuses it while a marker file exists) shows the button once it has ended; after the cause
 * is removed, the button starts a rerun of only what failed and opens the new job's page, which completes
 * with every item. A job where nothing failed shows no button, and a Reader sees it disabled with the role
 * named.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { CHROMIUM, needs } from '../helpers/components.ts';
import { launchStudioBrowser, studioUrl, type StudioBrowser } from '../helpers/browser.ts';
import { folderBody, Nightshift } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const MARKED = {
  file: 'marked.mjs',
  source: `import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
export function run(miniBatch) {
  return miniBatch.map((file) => {
    const marker = /^fail-while:(.*)$/m.exec(readFileSync(file, 'utf8'))?.[1];
    if (marker && existsSync(marker)) throw new Error('cannot score ' + basename(file) + ' yet');
    return basename(file) + ',scored';
  });
}
`,
};

describe('studio job rerun', await needs(CHROMIUM), () => {
  let server: TestServer;
  let ns: Nightshift;
  let studio: StudioBrowser & { errors: Error[] };
  let code: string;
  let scoringUri: string;
  let dir: string;

  before(async () => {
    server = await startServer();
    ns = await Nightshift.connect(server.url);
    code = server.app.services.studio.signIn.code;
    dir = mkdtempSync(join(tmpdir(), 'nightshift-studio-rerun-'));
    scoringUri = (await ns.deploy({ script: MARKED, settings: { miniBatchSize: 1 } })).scoringUri;
    studio = await launchStudioBrowser();
  });
  after(async () => {
    await studio.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (page: Page, job: string) => {
    await page.goto(studioUrl(server.url, code, `/studio/jobs/${job}`));
    await page.getByRole('heading', { name: `Job ${job}`, level: 1 }).waitFor();
  };

  /** An ended job over a.txt, b.txt, c.txt where b.txt failed while `marker` existed. */
  async function failedJob(name: string) {
    const marker = join(dir, `${name}.marker`);
    writeFileSync(marker, 'fail\n');
    const folder = `inputs/${name}`;
    await ns.uploadFiles(folder, { 'a.txt': 'a\n', 'b.txt': `fail-while:${marker}\n`, 'c.txt': 'c\n' });
    const job = await ns.run(scoringUri, folderBody(folder));
    assert.equal(job.properties.progress.items.failed, 1);
    return { job, marker };
  }

  test('the button reruns what failed and opens the new job, which completes', async () => {
    const { job, marker } = await failedJob('studio-rerun');
    rmSync(marker);
    const { page } = studio;
    await open(page, job.name);
    await page.getByRole('button', { name: 'Rerun failed' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(`/jobs/${job.name}`), { timeout: 10_000 });
    const child = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    assert.notEqual(child, job.name);
    await page.getByRole('heading', { name: `Job ${child}`, level: 1 }).waitFor();
    const ended = await ns.waitForJob(child);
    assert.equal(ended.properties.status, 'Completed', ended.properties.result ?? '');
    assert.equal(ended.properties.properties['nightshift.rerunOf'], job.name);
    assert.deepEqual(await ns.outputLines(ended), ['a.txt,scored', 'b.txt,scored', 'c.txt,scored']);
    await page.getByText('Rerun of what failed in').getByRole('link', { name: job.name }).waitFor();
    // Nothing failed in the rerun: its page offers no rerun.
    await page.locator('.job-status', { hasText: 'Completed' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.getByRole('button', { name: 'Rerun failed' }).count(), 0);
  });

  test('a Reader sees "Rerun failed" disabled with the role named', async () => {
    const { job } = await failedJob('studio-rerun-reader');
    const sp = await ns.ok<{ appId: string; password: string }>('POST', '/nightshift/servicePrincipals', {
      json: { displayName: 'studio-rerun-reader' },
    });
    await ns.ok('POST', '/nightshift/roleAssignments', {
      json: { assignee: sp.appId, role: 'Reader', scope: ns.ws },
    });
    const context = await studio.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/studio/jobs/${job.name}`);
      await page.getByLabel('Application (client) id').fill(sp.appId);
      await page.getByLabel('Client secret').fill(sp.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: `Job ${job.name}`, level: 1 }).waitFor();
      const rerun = page.getByRole('button', { name: 'Rerun failed' });
      await rerun.waitFor();
      // Enabled until the permissions answer arrives; then disabled for good.
      for (let i = 0; i < 100 && !(await rerun.isDisabled()); i++) await page.waitForTimeout(100);
      assert.equal(await rerun.isDisabled(), true);
      assert.match((await rerun.getAttribute('title')) ?? '', /Needs one of the roles/);
      await page.getByText(/Needs one of the roles .*batchEndpoints\/jobs\/write/).waitFor();
    } finally {
      await context.close();
    }
  });
});
