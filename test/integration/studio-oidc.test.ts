/**
 * Studio sign-in through an external OIDC issuer, in a real browser against a real server and a real
 * (test) provider over HTTP: the sign-in page offers the issuer; the code flow with PKCE signs a person in
 * and returns them to the page they asked for; what they see is what their role assignments allow (no
 * role: the server's refusal; Reader: their role named); a forged callback state and the issuer's own
 * error are shown as messages and exchange nothing; an expired sign-in ends with a notice; and a path or
 * parameter naming another site never takes the browser there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CHROMIUM, needs } from '../helpers/components.ts';
import { launchStudioBrowser, type StudioBrowser } from '../helpers/browser.ts';
import { newUser, startOidcProvider, type OidcProvider, type OidcUser } from '../helpers/oidc-provider.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const AUDIENCE = 'api://nightshift-studio-test';

describe('studio sign-in with an external OIDC issuer', await needs(CHROMIUM), () => {
  let provider: OidcProvider;
  let server: TestServer;
  let studio: StudioBrowser & { errors: Error[] };

  before(async () => {
    provider = await startOidcProvider({ clientId: 'studio-web', audience: AUDIENCE });
    server = await startServer({
      env: {
        NIGHTSHIFT_OIDC_ISSUER: provider.url,
        NIGHTSHIFT_OIDC_AUDIENCE: AUDIENCE,
        NIGHTSHIFT_OIDC_STUDIO_CLIENT_ID: 'studio-web',
        NIGHTSHIFT_OIDC_STUDIO_SCOPES: `openid profile ${AUDIENCE}/.default`,
        NIGHTSHIFT_OIDC_DISPLAY_NAME: 'Test IdP',
      },
    });
    provider.allowRedirect(`${server.url}/studio/signed-in`);
    studio = await launchStudioBrowser();
  });
  after(async () => {
    await studio.close();
    await server.stop();
    await provider.stop();
  });

  const button = () => studio.page.getByRole('button', { name: 'Sign in with Test IdP' });

  /** Opens `path` signed out, signs in through the issuer as `user`, and waits for the studio. */
  async function signInAs(user: OidcUser, path = '/studio/'): Promise<void> {
    provider.user = user;
    await studio.page.goto(`${server.url}${path}`);
    await button().click();
    await studio.page.getByRole('navigation', { name: 'Main' }).waitFor();
  }

  async function signOut(): Promise<void> {
    await studio.page.getByRole('button', { name: 'Sign out' }).click();
    await button().waitFor();
  }

  test('the sign-in page offers the issuer beside the service principal form', async () => {
    const { page } = studio;
    await page.goto(`${server.url}/studio/`);
    await button().waitFor();
    assert.equal(await page.getByLabel('Tenant').inputValue(), 'nightshift');
    await page.getByLabel('Application (client) id').waitFor();
  });

  test('a person without a role signs in, lands on the page they asked for, and sees the refusal', async () => {
    const { page } = studio;
    const before = provider.exchanges.length;
    await signInAs(newUser('Nora Norole'), '/studio/audit');
    assert.equal(new URL(page.url()).pathname, '/studio/audit');
    assert.equal(new URL(page.url()).search, '', 'no code or state left in the address bar');
    assert.equal(await page.getByTitle('Signed in as').textContent(), 'Nora Norole');
    // The page's own refusal (the header may show the workspace's beside it).
    const alert = page.getByRole('main').getByRole('alert').first();
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /You do not have permission/);
    assert.equal(await page.getByTitle('Your roles on this workspace').textContent(), 'no role here');
    assert.deepEqual(provider.exchanges.slice(before), [{ granted: true }]);
    await signOut();
  });

  test("with a role, the issuer's token is accepted for that role and no refusal is shown", async () => {
    const { page } = studio;
    const reader = newUser('Rita Reader');
    const assigned = await server.call('POST', '/nightshift/roleAssignments', {
      assignee: reader.sub,
      role: 'Reader',
      scope: server.ws,
    });
    assert.equal(assigned.status, 201, JSON.stringify(assigned.body));
    await signInAs(reader);
    assert.equal(await page.getByTitle('Signed in as').textContent(), 'Rita Reader');
    const roles = page.getByTitle('Your roles on this workspace');
    await roles.waitFor();
    assert.equal(await roles.textContent(), 'Reader');
    assert.equal(await page.getByRole('alert').count(), 0);
    await signOut();
  });

  test('a callback whose state is not the one this tab sent is refused without exchanging the code', async () => {
    const { page } = studio;
    await page.goto(`${server.url}/studio/`);
    const before = provider.exchanges.length;
    // An attacker's callback arriving while this tab's own sign-in is pending.
    await page.route(`${provider.url}/authorize**`, (route) =>
      route.fulfill({
        status: 302,
        headers: { location: `${server.url}/studio/signed-in?code=stolen&state=forged` },
      }),
    );
    await button().click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /state does not match/);
    assert.equal(provider.exchanges.length, before);
    await page.unroute(`${provider.url}/authorize**`);
    await page.goto(`${server.url}/studio/signed-in?code=stolen&state=forged`);
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /refused/);
    await page.getByRole('link', { name: 'Back to sign-in' }).click();
    await button().waitFor();
  });

  test("the issuer's error (the person cancelled) is shown as a message", async () => {
    const { page } = studio;
    provider.deny = 'access_denied';
    try {
      await page.goto(`${server.url}/studio/`);
      await button().click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.equal(
        await alert.textContent(),
        'Test IdP did not sign you in: The user declined to sign in. (access_denied)',
      );
    } finally {
      provider.deny = undefined;
    }
  });

  test('an expired sign-in goes back to the sign-in page with a notice', async () => {
    const { page } = studio;
    provider.tokenLifetimeSeconds = 8;
    try {
      await signInAs(newUser('Shorty'));
      await page
        .getByText('Your sign-in with Test IdP has expired; sign in again.')
        .waitFor({ timeout: 15_000 });
      await button().waitFor();
    } finally {
      provider.tokenLifetimeSeconds = 3600;
    }
  });

  test('a path or parameter naming another site does not take the browser there after sign-in', async () => {
    const { page } = studio;
    await signInAs(newUser('Otto Open'), '/studio//evil.example/x?redirect=https%3A%2F%2Fevil.example%2F');
    assert.equal(new URL(page.url()).origin, server.url);
    assert.equal(new URL(page.url()).pathname, '/studio/');
    await signOut();
    assert.deepEqual(studio.errors, []);
  });

  test('at 390 px in dark mode, sign-in and the header with a long name fit without page scroll', async () => {
    const phone = await launchStudioBrowser({ width: 390, colorScheme: 'dark' });
    try {
      const { page } = phone;
      provider.user = newUser('Maximiliane Alexandra Featherstonehaugh-Wolfeschlegel');
      await page.goto(`${server.url}/studio/`);
      const overflow = () =>
        page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      await page.getByRole('button', { name: 'Sign in with Test IdP' }).waitFor();
      assert.ok((await overflow()) <= 0, 'sign-in page');
      await page.keyboard.press('Tab');
      await page.getByRole('button', { name: 'Sign in with Test IdP' }).focus();
      await page.keyboard.press('Enter');
      await page
        .getByRole('navigation', { name: 'Main', includeHidden: true })
        .waitFor({ state: 'attached' });
      await page.getByTitle('Signed in as').waitFor();
      await page.getByTitle('Your roles on this workspace').waitFor();
      assert.ok((await overflow()) <= 0, 'signed in, with the refusal shown');
      assert.deepEqual(phone.errors, []);
    } finally {
      await phone.close();
    }
  });
});
