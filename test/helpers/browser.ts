/**
 * The studio in a real browser: Debian's Chromium driven by playwright-core (never a downloaded browser),
 * with the flags from the stack guide, against a real server. `ensureStudioBuilt` rebuilds the studio when
 * a source file is newer than the build (so a test never runs yesterday's bundle); test files run side by
 * side, so the build is taken under a lock directory. Tests declare `needs(CHROMIUM)`.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './repo.ts';
import { waitFor } from './wait.ts';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const WEB_DIR = join(REPO_ROOT, 'src/web');
const BUILT = join(REPO_ROOT, 'dist/studio/index.html');
const LOCK = join(REPO_ROOT, 'dist/.studio-build.lock');
/** A lock older than this was left by a killed test run. */
const STALE_LOCK_MS = 120_000;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(BUILT).mtimeMs;
  } catch {
    return 0;
  }
}

function takeLock(): boolean {
  try {
    mkdirSync(LOCK, { recursive: false });
    return true;
  } catch {
    try {
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
    } catch {
      // Gone meanwhile: the next try takes it.
    }
    return false;
  }
}

/** Builds the studio with vite when it was never built or a source changed since. */
async function ensureStudioBuilt(): Promise<void> {
  if (builtAt() >= newestSource(WEB_DIR)) return;
  mkdirSync(join(REPO_ROOT, 'dist'), { recursive: true });
  await waitFor('the studio build lock', takeLock, { timeoutMs: STALE_LOCK_MS * 2, intervalMs: 100 });
  try {
    if (builtAt() >= newestSource(WEB_DIR)) return;
    const { build } = await import('vite');
    await build({ configFile: join(REPO_ROOT, 'vite.config.ts'), logLevel: 'error' });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export interface StudioBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * A browser on a new page (1280 × 800 unless told), not yet at any URL. `errors` collects the page's
 * uncaught exceptions, which a test should expect to be empty.
 */
export async function launchStudioBrowser(
  options: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {},
): Promise<StudioBrowser & { errors: Error[] }> {
  await ensureStudioBuilt();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (error) => errors.push(error));
  return {
    browser,
    context,
    page,
    errors,
    close: () => browser.close(),
  };
}

/** The URL `serve` prints: the studio, signed in as the local owner with the server's code. */
export function studioUrl(serverUrl: string, code: string, path = '/studio/'): string {
  return `${serverUrl}${path}?code=${encodeURIComponent(code)}`;
}
