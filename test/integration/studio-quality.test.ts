/**
 * What a user expects of every studio page, checked on each route in a real browser over seeded data:
 * a deep link renders the page's h1; no horizontal page scroll at 390 px (tables scroll in their own
 * box); the keyboard reaches the skip link first, which moves focus to the page, and then the navigation;
 * the dark theme applies, from the system's choice and from the theme switch; every time shows UTC on
 * hover; and no page throws an uncaught error. The checks wait for the page's h1, never for particular
 * content, so they hold as pages gain content.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { CHROMIUM, needs } from '../helpers/components.ts';
import { launchStudioBrowser, studioUrl, type StudioBrowser } from '../helpers/browser.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { seedStudio, studioRoutes } from '../helpers/studio-seed.ts';

type Studio = StudioBrowser & { errors: Error[] };

/** Settles after the h1: the page's first queries answer in well under this on a test server. */
const SETTLE_MS = 400;
const DARK_BACKGROUND = 'rgb(15, 20, 25)';

describe('studio quality on every page', await needs(CHROMIUM), () => {
  let server: TestServer;
  let scratch: string;
  let routes: { name: string; path: string }[];
  const opened: Studio[] = [];

  async function open(options: { width?: number; colorScheme?: 'light' | 'dark' }): Promise<Studio> {
    const studio = await launchStudioBrowser(options);
    opened.push(studio);
    await studio.page.goto(studioUrl(server.url, server.app.services.studio.signIn.code));
    await studio.page.locator('#nav').waitFor({ state: 'attached' });
    return studio;
  }

  async function visit(page: Page, path: string): Promise<void> {
    await page.goto(`${server.url}${path}`);
    await page.locator('h1').first().waitFor();
    await page.waitForTimeout(SETTLE_MS);
  }

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'nightshift-studio-quality-'));
    server = await startServer({ env: { NIGHTSHIFT_DATASTORE_ROOTS: scratch } });
    routes = studioRoutes(await seedStudio(server, scratch));
  });

  after(async () => {
    for (const studio of opened) await studio.close();
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('at 390 px no page scrolls sideways, every deep link renders its h1, and nothing throws', async () => {
    const studio = await open({ width: 390 });
    const wide: string[] = [];
    for (const route of routes) {
      await visit(studio.page, route.path);
      const overflow = await studio.page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      if (overflow > 0) wide.push(`${route.path} is ${String(overflow)} px too wide`);
      assert.ok(((await studio.page.locator('h1').first().textContent()) ?? '').trim() !== '', route.path);
    }
    assert.deepEqual(wide, []);
    assert.deepEqual(
      studio.errors.map((e) => e.message),
      [],
    );
  });

  test('the keyboard reaches the skip link first, then the page and the navigation', async () => {
    const studio = await open({ width: 1280 });
    const { page } = studio;
    const focused = () => page.evaluate<string>('document.activeElement?.textContent?.trim() ?? ""');
    for (const route of routes) {
      await visit(page, route.path);
      await page.locator('body').focus();
      await page.keyboard.press('Tab');
      assert.equal(await focused(), 'Skip to content', route.path);
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate('document.activeElement?.id'), 'main', route.path);
    }
    await visit(page, '/studio/audit');
    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Overview');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Endpoints');
    assert.deepEqual(
      studio.errors.map((e) => e.message),
      [],
    );
  });

  test('the dark theme applies on every page, from the system and from the switch', async () => {
    const dark = await open({ colorScheme: 'dark' });
    for (const route of routes) {
      await visit(dark.page, route.path);
      assert.equal(
        await dark.page.evaluate('getComputedStyle(document.body).backgroundColor'),
        DARK_BACKGROUND,
        route.path,
      );
    }
    const light = await open({ colorScheme: 'light' });
    await visit(light.page, '/studio/datastores');
    assert.notEqual(
      await light.page.evaluate('getComputedStyle(document.body).backgroundColor'),
      DARK_BACKGROUND,
    );
    await light.page.getByLabel('Theme').selectOption('dark');
    assert.equal(
      await light.page.evaluate('getComputedStyle(document.body).backgroundColor'),
      DARK_BACKGROUND,
    );
    await light.page.getByLabel('Theme').selectOption('system');
  });

  test('every time on every page shows UTC on hover', async () => {
    const studio = await open({ width: 1280 });
    let times = 0;
    for (const route of routes) {
      await visit(studio.page, route.path);
      const titles = await studio.page
        .locator('time')
        .evaluateAll((nodes) => nodes.map((n) => (n as unknown as { title: string }).title));
      times += titles.length;
      for (const title of titles) assert.match(title, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/, route.path);
    }
    assert.ok(times > 0, 'no page showed a time');
  });
});
