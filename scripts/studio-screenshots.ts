/**
 * `npm run screenshots`: pictures of the studio's main pages for the README, taken from a real server so
 * they stay current. It starts a server on a temporary data dir, seeds it through the REST API (an
 * endpoint, a deployment and a job, a pipeline run, a datastore with a CSV, a data asset: the helper the
 * browser tests use), signs in as the local owner in Debian's Chromium and writes docs/studio/NAME.png at
 * 1280 px, plus one page at phone width (390 px) and one in the dark theme. Each shot waits for the
 * page's h1 and then for the page to go quiet, never for particular content, so the script keeps working
 * as pages change.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchStudioBrowser, studioUrl } from '../test/helpers/browser.ts';
import { REPO_ROOT } from '../test/helpers/repo.ts';
import { startServer, type TestServer } from '../test/helpers/server.ts';
import { seedStudio, studioRoutes } from '../test/helpers/studio-seed.ts';

const OUT = join(REPO_ROOT, 'docs', 'studio');
const MAIN_PAGES = [
  'overview',
  'endpoints',
  'endpoint',
  'deployment',
  'jobs',
  'job',
  'models',
  'pipelines',
  'pipeline-run',
  'datastores',
  'preview',
  'audit',
];
/** Long enough for a page's queries and a live stream's first event; short enough to keep the run quick. */
const SETTLE_MS = 1500;

async function shoot(page: Page, server: TestServer, path: string, file: string): Promise<void> {
  await page.goto(`${server.url}${path}`);
  await page.locator('h1').first().waitFor({ timeout: 20_000 });
  await page.waitForTimeout(SETTLE_MS);
  await page.screenshot({ path: join(OUT, file) });
  process.stdout.write(`wrote docs/studio/${file}\n`);
}

async function session(server: TestServer, options: { width: number; colorScheme: 'light' | 'dark' }) {
  const studio = await launchStudioBrowser({ ...options, height: options.width < 600 ? 844 : 800 });
  await studio.page.goto(studioUrl(server.url, server.app.services.studio.signIn.code));
  await studio.page.locator('#nav').waitFor({ state: 'attached' });
  return studio;
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'nightshift-screenshots-'));
  const server = await startServer({ env: { NIGHTSHIFT_DATASTORE_ROOTS: scratch } });
  try {
    const routes = new Map(studioRoutes(await seedStudio(server, scratch)).map((r) => [r.name, r.path]));
    const at = (name: string): string => {
      const path = routes.get(name);
      if (path === undefined) throw new Error(`No studio route named ${name}.`);
      return path;
    };
    mkdirSync(OUT, { recursive: true });
    const wide = await session(server, { width: 1280, colorScheme: 'light' });
    try {
      for (const name of MAIN_PAGES) await shoot(wide.page, server, at(name), `${name}.png`);
    } finally {
      await wide.close();
    }
    const phone = await session(server, { width: 390, colorScheme: 'light' });
    try {
      await shoot(phone.page, server, at('job'), 'job-phone.png');
    } finally {
      await phone.close();
    }
    const dark = await session(server, { width: 1280, colorScheme: 'dark' });
    try {
      await shoot(dark.page, server, at('endpoint'), 'endpoint-dark.png');
    } finally {
      await dark.close();
    }
  } finally {
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
