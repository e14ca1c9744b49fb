/**
 * The studio's front door in a real browser: the URL `serve` prints signs the local owner in without a
 * prompt and leaves no code in the address bar; a deep link opens its page; a service principal signs in
 * with its app id and secret; a wrong code or secret is shown as the server words it; the built files are
 * served under /studio/ and nothing outside the build is.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CHROMIUM, needs } from '../helpers/components.ts';
import { launchStudioBrowser, studioUrl, type StudioBrowser } from '../helpers/browser.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('studio sign-in', await needs(CHROMIUM), () => {
  let server: TestServer;
  let studio: StudioBrowser;
  let code: string;

  before(async () => {
    server = await startServer();
    code = server.app.services.studio.signIn.code;
    studio = await launchStudioBrowser();
  });
  after(async () => {
    await studio.close();
    await server.stop();
  });

  test('the printed URL signs the local owner in and drops the code from the address bar', async () => {
    const { page } = studio;
    await page.goto(studioUrl(server.url, code));
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    assert.equal(new URL(page.url()).search, '');
    assert.equal(await page.getByTitle('Signed in as').textContent(), 'local owner');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Nightshift Studio' }).waitFor();
  });

  test('a deep link opens its own page after sign-in', async () => {
    const { page } = studio;
    await page.goto(studioUrl(server.url, code, '/studio/audit'));
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/studio/audit');
    await page.goto(`${server.url}/studio/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
  });

  test("a wrong code shows the server's refusal", async () => {
    const { page } = studio;
    await page.goto(studioUrl(server.url, `${code}x`));
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /sign-in code is not this server's/);
  });

  test('a service principal signs in with its app id and secret; a wrong secret is refused', async () => {
    const created = await server.call('POST', '/nightshift/servicePrincipals', {
      displayName: 'studio-reader',
    });
    const sp = created.body as { appId: string; password: string };
    const { page } = studio;
    await page.goto(`${server.url}/studio/`);
    await page.getByLabel('Application (client) id').fill(sp.appId);
    await page.getByLabel('Client secret').fill(`${sp.password}-wrong`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /secret/i);
    await page.getByLabel('Client secret').fill(sp.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    assert.equal(await page.getByTitle('Signed in as').textContent(), sp.appId);
  });

  test('only the built files are served, and the page is never cached stale', async () => {
    const page = await fetch(`${server.url}/studio/jobs/some-job`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    assert.match(await page.text(), /<div id="root">/);
    for (const path of [
      '/studio/..%2f..%2fpackage.json',
      '/studio/%2e%2e/%2e%2e/package.json',
      '/studio/../../package.json',
    ]) {
      const answer = await fetch(`${server.url}${path}`);
      assert.ok(!(await answer.text()).includes('"devDependencies"'), path);
    }
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/studio/');
  });
});
