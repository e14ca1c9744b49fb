/**
 * The studio's data and audit pages in a real browser against a real server: browse a datastore's folder
 * through its links and breadcrumbs, preview a CSV and a Parquet file, follow a data asset's path into
 * the browser, and filter the audit log by principal, action, resource and result, with a deep link that
 * carries its filters. A Reader sees the refusal to browse file contents as a message.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { CHROMIUM, needs } from '../helpers/components.ts';
import { launchStudioBrowser, studioUrl, type StudioBrowser } from '../helpers/browser.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('studio data and audit pages', await needs(CHROMIUM), () => {
  let server: TestServer;
  let studio: StudioBrowser & { errors: Error[] };
  let scratch: string;
  let reader: { appId: string; password: string };

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'nightshift-studio-data-'));
    const root = join(scratch, 'files');
    mkdirSync(join(root, 'data', 'more'), { recursive: true });
    writeFileSync(join(root, 'data', 'a.csv'), 'id,name\n1,one\n2,two\n');
    writeFileSync(join(root, 'data', 'more', 'b.csv'), 'b\n1\n');
    const parquet = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: [1, 2, 3, 4, 5], type: 'INT32' },
        { name: 'label', data: ['r1', 'r2', 'r3', 'r4', 'r5'], type: 'STRING' },
      ],
    });
    writeFileSync(join(root, 'data', 't.parquet'), Buffer.from(parquet));
    server = await startServer({ env: { NIGHTSHIFT_DATASTORE_ROOTS: scratch } });
    const put = await server.call('PUT', `${server.ws}/datastores/files`, {
      properties: { datastoreType: 'LocalFolder', path: root },
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    const data = await server.call('PUT', `${server.ws}/data/sales/versions/1`, {
      properties: { dataType: 'uri_folder', dataUri: 'azureml://datastores/files/paths/data/' },
    });
    assert.ok(data.status < 300, JSON.stringify(data.body));
    const sp = await server.call('POST', '/nightshift/servicePrincipals', {
      displayName: 'studio-audit-reader',
    });
    reader = sp.body as { appId: string; password: string };
    const granted = await server.call('POST', '/nightshift/roleAssignments', {
      assignee: reader.appId,
      role: 'Reader',
      scope: server.ws,
    });
    assert.equal(granted.status, 201);
    studio = await launchStudioBrowser();
    await studio.page.goto(
      studioUrl(server.url, server.app.services.studio.signIn.code, '/studio/datastores'),
    );
    await studio.page.getByRole('heading', { name: 'Datastores', level: 1 }).waitFor();
  });

  after(async () => {
    await studio.close();
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('browse a folder through links and breadcrumbs, and preview a CSV', async () => {
    const { page } = studio;
    await page.getByRole('link', { name: 'files', exact: true }).click();
    await page.getByRole('heading', { name: 'files', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'data/' }).click();
    await page.getByRole('heading', { name: 'data', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/studio/datastores/files/data/');
    await page.getByRole('link', { name: 'more/' }).waitFor();
    await page.getByRole('link', { name: 'a.csv' }).click();
    await page.getByRole('heading', { name: 'a.csv', level: 1 }).waitFor();
    const preview = page.getByRole('region', { name: 'Preview of data/a.csv' });
    await preview.getByRole('columnheader', { name: 'name' }).waitFor();
    await preview.getByRole('cell', { name: 'two' }).waitFor();
    await page.getByRole('button', { name: 'Download a.csv' }).waitFor();
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
    await crumbs.getByRole('link', { name: 'data', exact: true }).click();
    await page.getByRole('heading', { name: 'data', level: 1 }).waitFor();
    assert.deepEqual(studio.errors, []);
  });

  test('a deep link previews a Parquet file', async () => {
    const { page } = studio;
    await page.goto(`${server.url}/studio/datastores/files/data/t.parquet`);
    const preview = page.getByRole('region', { name: 'Preview of data/t.parquet' });
    await preview.getByRole('cell', { name: 'r4' }).waitFor();
    assert.match((await page.getByText(/PARQUET: the first/).textContent()) ?? '', /5 rows of 5/);
  });

  test("a data asset's path leads into the datastore browser", async () => {
    const { page } = studio;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Data assets' }).click();
    await page.getByRole('rowheader', { name: 'sales' }).waitFor();
    await page.getByRole('link', { name: 'azureml://datastores/files/paths/data' }).click();
    await page.getByRole('heading', { name: 'data', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'a.csv' }).waitFor();
  });

  test("a Reader sees the refusal to read a datastore's files as a message, and download disabled", async () => {
    const context = await studio.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/studio/datastores/files/data/`);
      await page.getByLabel('Application (client) id').fill(reader.appId);
      await page.getByLabel('Client secret').fill(reader.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /You do not have permission.*datastores\/paths\/read/s);
      await page.goto(`${server.url}/studio/datastores/files/data/a.csv`);
      const download = page.getByRole('button', { name: 'Download a.csv' });
      await page.locator('button[disabled]', { hasText: 'Download a.csv' }).waitFor();
      assert.match((await download.getAttribute('title')) ?? '', /Needs/);
    } finally {
      await context.close();
    }
  });

  test('filter the audit log by principal, action, resource and result; a deep link keeps them', async () => {
    const { page } = studio;
    // A Reader's refused read, to be found by its principal and result.
    const token = await fetch(`${server.url}/nightshift/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: reader.appId,
        client_secret: reader.password,
        resource: 'https://management.azure.com',
      }),
    });
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const denied = await fetch(`${server.url}${server.ws}/datastores/files/folders?api-version=2024-04-01`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    assert.equal(denied.status, 403);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByLabel('Principal').fill(reader.appId);
    await page.getByLabel('Result').selectOption('Denied');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/result=Denied/);
    const table = page.getByRole('region', { name: 'Audit entries' });
    await table.getByText('/datastores/files/folders').first().waitFor();
    const entries = async (): Promise<string[]> => (await table.getByRole('row').allTextContents()).slice(1);
    const refusals = await entries();
    assert.ok(refusals.length >= 1);
    for (const row of refusals) assert.match(row, new RegExp(`${reader.appId}.*Denied 403`));

    await page.getByLabel('Principal').fill('');
    await page.getByLabel('Result').selectOption('');
    await page.getByLabel('Action contains').fill('data/versions/write');
    await page.getByLabel('Resource contains').fill('/data/sales');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/action=data/);
    await table.getByText('/data/sales/versions/1').first().waitFor();
    assert.ok((await table.getByRole('row').count()) >= 2);

    const link = `${server.url}/studio/audit?principal=${reader.appId}&result=Denied&resource=folders`;
    await page.goto(link);
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    assert.equal(await page.getByLabel('Principal').inputValue(), reader.appId);
    assert.equal(await page.getByLabel('Result').inputValue(), 'Denied');
    assert.equal(await page.getByLabel('Resource contains').inputValue(), 'folders');
    await table.getByText('/datastores/files/folders').first().waitFor();
    const linked = await entries();
    assert.ok(linked.length >= 1 && linked.length <= refusals.length);
    for (const row of linked) assert.match(row, new RegExp(`${reader.appId}.*folders.*Denied 403`));

    await page.getByLabel('Before (UTC)').fill('not a time');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText(/until 'not a time' is not a date/).waitFor();
    assert.equal(await page.getByLabel('Before (UTC)').inputValue(), 'not a time');
  });
});
