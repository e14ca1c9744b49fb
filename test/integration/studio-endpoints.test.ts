/**
 * The endpoint and deployment pages in a real browser, against a real server with one endpoint and two
 * deployments of a trivial JS scoring script made through the REST API: the list leads to the endpoint,
 * the scoring URI is copied, a job is invoked from the page with a datastore path and the browser lands on
 * its job page, a bad path shows the server's message beside the field with the input kept, the default
 * is switched (confirmed) and the switch is in the audit log, a Reader sees the actions disabled with the
 * role named (read out as each button's description), the deployment page shows its settings and
 * history, and a phone-width page never scrolls sideways.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { CHROMIUM, needs } from '../helpers/components.ts';
import { launchStudioBrowser, studioUrl, type StudioBrowser } from '../helpers/browser.ts';
import { datastoreUri, Nightshift, smallFiles, uniqueName } from '../helpers/jobs.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

interface AuditEntry {
  principal: string;
  action: string;
  method: string;
  path: string;
  result: string;
}

async function noSidewaysScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate<number>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );
  assert.ok(overflow <= 0, `${page.url()} scrolls sideways by ${String(overflow)} px`);
}

describe('studio endpoints and deployments', await needs(CHROMIUM), () => {
  let server: TestServer;
  let ns: Nightshift;
  let studio: StudioBrowser & { errors: Error[] };
  let code: string;
  let endpoint: string;
  let first: string;
  let second: string;
  let scoringUri: string;
  let input: string;

  before(async () => {
    server = await startServer();
    code = server.app.services.studio.signIn.code;
    ns = await Nightshift.connect(server.url);
    ({ endpoint, deployment: first, scoringUri } = await ns.deploy({ script: 'strings.ts' }));
    second = uniqueName('dep');
    const model = await ns.registerModel();
    const script = await ns.registerScript('strings.ts');
    await ns.createDeployment(endpoint, second, model, script, { miniBatchSize: 2 });
    // Changed once after it was made, so its history has both.
    await ns.createDeployment(endpoint, second, model, script, { miniBatchSize: 3, errorThreshold: 5 });
    input = await ns.uploadFiles('studio/inputs', smallFiles(4));
    studio = await launchStudioBrowser();
  });
  after(async () => {
    await studio.close();
    await server.stop();
  });

  test('the list shows the endpoint with its default and scoring URI, and leads to its page', async () => {
    const { page } = studio;
    await page.goto(studioUrl(server.url, code, '/studio/endpoints'));
    const row = page.getByRole('row', { name: new RegExp(endpoint) });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', new RegExp(first));
    assert.match((await row.textContent()) ?? '', /Succeeded/);
    assert.ok(((await row.textContent()) ?? '').includes(scoringUri));
    await row.getByRole('link', { name: endpoint }).click();
    await page.getByRole('heading', { name: endpoint, level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/studio/endpoints/${endpoint}`);
    const jobs = page.getByRole('link', { name: 'All jobs' });
    assert.equal(await jobs.getAttribute('href'), `/studio/jobs?endpoint=${endpoint}`);
  });

  test('the copy button puts the scoring URI on the clipboard', async () => {
    const { page, context } = studio;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.goto(`${server.url}/studio/endpoints/${endpoint}`);
    await page.getByRole('button', { name: 'Copy the scoring URI' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), scoringUri);
  });

  test('a job invoked from the page with a datastore path opens its job page', async () => {
    const { page } = studio;
    await page.goto(`${server.url}/studio/endpoints/${endpoint}`);
    await page.getByLabel('Input path').fill(input);
    const posted = page.waitForRequest((r) => r.method() === 'POST' && r.url().includes('/endpoints/'));
    await page.getByRole('button', { name: 'Invoke', exact: true }).click();
    await page.waitForURL(/\/studio\/jobs\/[^/?]+$/);
    // The scoring URI as the CLI calls it: the data plane, with Azure's body and no api-version.
    const request = await posted;
    assert.equal(request.url(), scoringUri);
    assert.deepEqual(request.postDataJSON(), {
      properties: { InputData: { input_data: { JobInputType: 'UriFolder', Uri: input } } },
    });
    const name = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    const job = await ns.job(name);
    assert.equal(job.properties.properties['azureml.endpointname'], endpoint);
    assert.equal(job.properties.properties['azureml.deploymentname'], first);
    const done = await ns.waitForJob(name);
    assert.equal(done.properties.status, 'Completed');
  });

  test('a job invoked with a data asset (a file) on a named deployment runs there', async () => {
    const asset = uniqueName('data');
    const file = await ns.upload('studio/one/input.txt', 'one file\n');
    await ns.ok('PUT', `${ns.ws}/data/${asset}/versions/1`, {
      json: { properties: { dataType: 'uri_file', dataUri: file } },
    });
    const { page } = studio;
    await page.goto(`${server.url}/studio/endpoints/${endpoint}`);
    await page.getByLabel('Data asset', { exact: true }).check();
    await page.getByRole('combobox', { name: 'Data asset' }).selectOption(asset);
    await page.getByRole('combobox', { name: 'Version' }).getByRole('option', { name: /^1 / }).waitFor({
      state: 'attached',
    });
    await page.getByRole('combobox', { name: 'Deployment' }).selectOption(second);
    await page.getByRole('button', { name: 'Invoke', exact: true }).click();
    await page.waitForURL(/\/studio\/jobs\/[^/?]+$/);
    const name = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    const done = await ns.waitForJob(name);
    assert.equal(done.properties.properties['azureml.deploymentname'], second);
    assert.equal(done.properties.status, 'Completed', JSON.stringify(done.properties.error));
  });

  test("a bad path shows the server's message beside the field and keeps what was typed", async () => {
    const { page } = studio;
    await page.goto(`${server.url}/studio/endpoints/${endpoint}`);
    const missing = datastoreUri('studio/no-such-folder');
    const field = page.getByLabel('Input path');
    await field.fill(missing);
    await page.getByRole('button', { name: 'Invoke', exact: true }).click();
    const message = page.locator('#invoke-input-error');
    await message.waitFor();
    assert.match((await message.textContent()) ?? '', /does not exist/);
    assert.equal(await field.getAttribute('aria-describedby'), 'invoke-input-error');
    assert.equal(await field.inputValue(), missing);
    assert.equal(new URL(page.url()).pathname, `/studio/endpoints/${endpoint}`);
  });

  test('making another deployment the default is confirmed, done, and in the audit log', async () => {
    const { page } = studio;
    await page.goto(`${server.url}/studio/endpoints/${endpoint}`);
    const row = page.getByRole('row', { name: new RegExp(second) });
    await row.getByRole('button', { name: 'Make default' }).click();
    const dialog = page.getByRole('dialog', { name: `Make ${second} the default?` });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: `Make ${second} default` }).click();
    await row.getByText('Default', { exact: true }).waitFor();
    await page
      .getByRole('row', { name: new RegExp(first) })
      .getByRole('button', { name: 'Make default' })
      .waitFor();
    const view = await ns.ok<{ properties: { defaults: { deploymentName: string } } }>(
      'GET',
      `${ns.ws}/batchEndpoints/${endpoint}`,
    );
    assert.equal(view.properties.defaults.deploymentName, second);
    const audit = await ns.ok<{ value: AuditEntry[] }>(
      'GET',
      '/nightshift/auditLogs?action=batchEndpoints/write&limit=50',
    );
    const patch = audit.value.find(
      (e) =>
        e.method === 'PATCH' && e.path.includes(`/batchEndpoints/${endpoint}`) && e.result === 'Succeeded',
    );
    assert.ok(patch, `no PATCH of ${endpoint} in ${JSON.stringify(audit.value)}`);
  });

  test('the deployment page shows its model, settings and the history of its changes', async () => {
    const { page } = studio;
    await page.goto(`${server.url}/studio/endpoints/${endpoint}`);
    await page.getByRole('link', { name: second, exact: true }).click();
    await page.getByRole('heading', { name: new RegExp(second), level: 1 }).waitFor();
    const settings = page.getByRole('table', { name: 'Settings' });
    assert.match((await settings.getByRole('row', { name: /mini_batch_size/ }).textContent()) ?? '', /3/);
    assert.match((await settings.getByRole('row', { name: /error_threshold/ }).textContent()) ?? '', /5/);
    assert.match(
      (await page.getByRole('link', { name: /^model-/ }).getAttribute('href')) ?? '',
      /^\/studio\/models\/model-/,
    );
    const history = page.getByRole('table', { name: `Changes to ${second}` });
    await history.waitFor();
    const changes = (await history.getByRole('row').allTextContents()).slice(1).join('\n');
    assert.match(changes, /Updated[^\n]*Succeeded \(200\)\n[^\n]*Created[^\n]*Succeeded \(201\)/);
    assert.deepEqual(studio.errors, []);
  });

  test('make default opens from the keyboard, Escape cancels it, and a missing endpoint is a message', async () => {
    const { page } = studio;
    await page.goto(`${server.url}/studio/endpoints/${endpoint}`);
    const button = page
      .getByRole('row', { name: new RegExp(first) })
      .getByRole('button', { name: 'Make default' });
    await button.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Make ${first} the default?` });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    const view = await ns.ok<{ properties: { defaults: { deploymentName: string } } }>(
      'GET',
      `${ns.ws}/batchEndpoints/${endpoint}`,
    );
    assert.equal(view.properties.defaults.deploymentName, second);
    await page.goto(`${server.url}/studio/endpoints/no-such-endpoint`);
    await page.getByRole('alert').filter({ hasText: 'Not found' }).first().waitFor();
    await page.goto(`${server.url}/studio/endpoints/${endpoint}/deployments/no-such-deployment`);
    await page.getByRole('alert').filter({ hasText: 'Not found' }).first().waitFor();
  });

  test('a Reader sees make default and invoke disabled with the role named', async () => {
    const created = await server.call('POST', '/nightshift/servicePrincipals', {
      displayName: 'studio-reader',
    });
    const sp = created.body as { appId: string; password: string };
    const assigned = await server.call('POST', '/nightshift/roleAssignments', {
      assignee: sp.appId,
      role: 'Reader',
    });
    assert.equal(assigned.status, 201);
    const context = await studio.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/studio/endpoints/${endpoint}`);
      await page.getByLabel('Application (client) id').fill(sp.appId);
      await page.getByLabel('Client secret').fill(sp.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: endpoint, level: 1 }).waitFor();
      const makeDefault = page
        .getByRole('row', { name: new RegExp(first) })
        .getByRole('button', { name: 'Make default' });
      const invoke = page.getByRole('button', { name: 'Invoke', exact: true });
      await page.waitForFunction(
        "[...document.querySelectorAll('button')].some((b) => b.textContent === 'Invoke' && b.disabled)",
      );
      assert.equal(await invoke.isDisabled(), true);
      assert.equal(await makeDefault.isDisabled(), true);
      assert.match((await makeDefault.getAttribute('title')) ?? '', /Needs one of the roles .*Contributor/);
      assert.match((await invoke.getAttribute('title')) ?? '', /Needs one of the roles/);
      assert.match(
        (await page.locator('.permission-reason').first().textContent()) ?? '',
        /Needs one of the roles/,
      );
      // A screen reader hears why: the reason shown beside each button is its accessible description.
      for (const button of [invoke, makeDefault]) {
        const id = await button.getAttribute('aria-describedby');
        assert.ok(id !== null, 'the disabled button names its reason');
        assert.match((await page.locator(`[id="${id}"]`).textContent()) ?? '', /Needs one of the roles/);
      }
    } finally {
      await context.close();
    }
  });

  test('at 390 px wide no page scrolls sideways', async () => {
    const context = await studio.browser.newContext({ viewport: { width: 390, height: 800 } });
    try {
      const page = await context.newPage();
      await page.goto(studioUrl(server.url, code, '/studio/endpoints'));
      await page.getByRole('row', { name: new RegExp(endpoint) }).waitFor();
      await noSidewaysScroll(page);
      await page.goto(`${server.url}/studio/endpoints/${endpoint}`);
      await page.getByLabel('Input path').waitFor();
      await page.getByRole('row', { name: new RegExp(second) }).waitFor();
      await noSidewaysScroll(page);
      await page.goto(`${server.url}/studio/endpoints/${endpoint}/deployments/${first}`);
      await page.getByRole('table', { name: 'Settings' }).waitFor();
      // No longer the default: its own page offers to make it the default again (the rollback).
      await page.getByRole('button', { name: 'Make default' }).waitFor();
      await noSidewaysScroll(page);
    } finally {
      await context.close();
    }
  });
});
