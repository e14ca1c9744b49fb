/**
 * The studio as a new user meets it: `nightshift demo` (the README's first command) in a terminal keeps
 * its service and prints a studio URL; from that URL alone, in a real browser and without the CLI, the user
 * finds the demo's job, invokes a new job on a data asset and watches it to Completed with a time-left
 * figure, reads a failing job's first error, previews the predictions, rolls the endpoint back to the
 * other deployment, runs the pipeline and follows it on its timeline, and filters the audit log.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchStudioBrowser, type StudioBrowser } from '../helpers/browser.ts';
import { CHROMIUM, needs } from '../helpers/components.ts';
import { stopProcess } from '../helpers/processes.ts';
import { REPO_ROOT } from '../helpers/repo.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const facts = (page: Page, term: string) =>
  page.locator('.job-progress dt', { hasText: term }).locator('xpath=following-sibling::dd[1]');

describe('the studio tour from the demo', await needs(CHROMIUM), () => {
  const scratch = mkdtempSync(join(tmpdir(), 'nightshift-studio-tour-'));
  let demo: ReturnType<typeof spawn>;
  let studioLink: string;
  let studio: StudioBrowser;
  let origin: string;

  before(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    demo = spawn(
      process.execPath,
      ['src/cli/main.ts', 'demo', '--keep-serving', '--server', origin, '--data-dir', join(scratch, 'data')],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, NIGHTSHIFT_CONFIG_DIR: join(scratch, 'config') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    demo.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    studioLink = await new Promise<string>((resolve, reject) => {
      demo.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const match = /^Studio: (\S+)$/m.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      demo.on('close', (code) => {
        reject(new Error(`the demo ended (${String(code)}) without a studio URL:\n${out}\n${err}`));
      });
    });
    studio = await launchStudioBrowser();
  });
  after(async () => {
    await studio.close();
    await stopProcess(demo);
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Invokes the demo endpoint on a data asset from its page; resolves on the new job's page. */
  async function invokeOn(page: Page, asset: string): Promise<string> {
    await page.goto(`${origin}/studio/endpoints/demo-breast-cancer`);
    await page.getByLabel('Data asset', { exact: true }).check();
    await page.getByRole('combobox', { name: 'Data asset' }).selectOption(asset);
    await page.getByRole('combobox', { name: 'Version' }).getByRole('option', { name: /^1 / }).waitFor({
      state: 'attached',
    });
    await page.getByRole('button', { name: 'Invoke', exact: true }).click();
    await page.waitForURL(/\/studio\/jobs\/[^/?]+$/);
    return decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
  }

  test("the printed URL opens the demo's job, signed in, and the endpoint is listed", async () => {
    const { page } = studio;
    await page.goto(studioLink);
    await page.getByRole('heading', { name: /^Job batchjob-/, level: 1 }).waitFor();
    await facts(page, 'Status').getByText('Completed').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Endpoints' }).click();
    await page.getByRole('link', { name: 'demo-breast-cancer' }).first().click();
    await page.getByRole('heading', { name: 'demo-breast-cancer', level: 1 }).waitFor();
  });

  test('a job invoked on the sample asset is followed to Completed, and its predictions preview', async () => {
    const { page } = studio;
    const job = await invokeOn(page, 'breast-cancer-sample');
    await page.getByRole('heading', { name: `Job ${job}`, level: 1 }).waitFor();
    await facts(page, 'Time left').waitFor();
    await facts(page, 'Status').getByText('Completed').waitFor({ timeout: 60_000 });
    assert.equal(await page.getByRole('progressbar', { name: 'Items done' }).getAttribute('value'), '4');
    const preview = page.getByLabel('First rows of the output');
    await preview.waitFor();
    assert.match((await preview.textContent()) ?? '', /^0,[01],part-0\.csv$/m);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /^Download predictions/ }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^predictions/);
  });

  test('a job on the broken asset fails, and its page puts the first error up front', async () => {
    const { page } = studio;
    await invokeOn(page, 'breast-cancer-broken');
    await facts(page, 'Status').getByText('Failed').waitFor({ timeout: 60_000 });
    const first = page.getByRole('region', { name: 'First error' });
    await first.getByText(/Model is missing inputs/).waitFor();
    await page.getByRole('heading', { name: 'Logs' }).waitFor();
  });

  test('the endpoint rolls back to the previous deployment, confirmed, and back', async () => {
    const { page } = studio;
    await page.goto(`${origin}/studio/endpoints/demo-breast-cancer`);
    for (const [target, other] of [
      ['onnx-forest-previous', 'onnx-forest'],
      ['onnx-forest', 'onnx-forest-previous'],
    ] as const) {
      const row = page.getByRole('row', { name: new RegExp(`^${target}\\b`) });
      await row.getByRole('button', { name: 'Make default' }).click();
      await page
        .getByRole('dialog', { name: `Make ${target} the default?` })
        .getByRole('button', { name: `Make ${target} default` })
        .click();
      await row.getByText('Default', { exact: true }).waitFor();
      await page
        .getByRole('row', { name: new RegExp(`^${other}\\b`) })
        .getByRole('button', { name: 'Make default' })
        .waitFor();
    }
  });

  test('the pipeline runs from its page and its timeline follows it to Succeeded', async () => {
    const { page } = studio;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pipelines' }).click();
    await page.getByRole('link', { name: 'Run-BatchEndpoint' }).first().click();
    await page.getByRole('button', { name: 'Run pipeline' }).click();
    await page.getByRole('heading', { name: /Pipeline run/, level: 1 }).waitFor();
    const timeline = page.getByRole('group', { name: 'Activity timeline' });
    await timeline.getByRole('button', { name: /^Run Batch-Endpoint\b.*: Succeeded/ }).waitFor({
      timeout: 60_000,
    });
    await page.getByText('Final', { exact: true }).waitFor({ timeout: 60_000 });
    assert.ok((await timeline.getByRole('button').count()) >= 3);
  });

  test('the audit log filters to the rollback', async () => {
    const { page } = studio;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Resource contains').fill('batchEndpoints/demo-breast-cancer');
    await page.getByLabel('Action contains').fill('batchEndpoints/write');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/resource=/);
    const table = page.getByRole('region', { name: 'Audit entries' });
    await table.getByText('PATCH').first().waitFor();
    const rows = (await table.getByRole('row').allTextContents()).slice(1);
    assert.ok(rows.length >= 2, rows.join('\n'));
    for (const row of rows) assert.match(row, /demo-breast-cancer/);
  });
});
