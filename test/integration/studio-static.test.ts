/**
 * How the server sends the built studio: only regular files that are in the build, nothing reached by
 * dot segments (plain, encoded or with backslashes) or by a link out of the build, no folder listings,
 * a missing script or style as a 404 (never the app's HTML, which a browser would try to run), and the
 * app's page for every other path, deep links whose last part holds a dot included.
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'vite';
import { REPO_ROOT } from '../helpers/repo.ts';
import { raw } from '../helpers/security-http.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let dir: string;
const link = () => join(dir, 'assets', 'leak.js');

before(async () => {
  server = await startServer();
  dir = server.app.services.studio.dir;
  try {
    readdirSync(join(dir, 'assets'));
  } catch {
    await build({ configFile: join(REPO_ROOT, 'vite.config.ts'), logLevel: 'error' });
  }
  rmSync(link(), { force: true });
  symlinkSync(join(REPO_ROOT, 'package.json'), link());
});

after(async () => {
  rmSync(link(), { force: true });
  await server.stop();
});

const get = (path: string) => raw(server.url, { method: 'GET', path });
const isApp = (text: string) => text.includes('<div id="root">');

void describe('the studio build is served as files, and only those', () => {
  it('sends a built asset with a long cache, and the page fresh', async () => {
    const asset = readdirSync(join(dir, 'assets')).find((f) => f.endsWith('.js') && f !== 'leak.js');
    assert.ok(asset);
    const reply = await get(`/studio/assets/${asset}`);
    assert.equal(reply.status, 200);
    assert.match(String(reply.headers['cache-control']), /immutable/);
    assert.ok(!isApp(reply.text));
  });

  it('answers a missing asset or top-level file with a 404, not the app', async () => {
    for (const path of [
      '/studio/assets/missing.js',
      '/studio/assets/',
      '/studio/assets',
      '/studio/favicon.ico',
    ]) {
      const reply = await get(path);
      assert.equal(reply.status, 404, path);
      assert.ok(!isApp(reply.text), path);
    }
  });

  it('answers the app for deep links, dotted names included', async () => {
    for (const path of ['/studio/jobs/run.v2', '/studio/datastores/files/data/a.csv', '/studio/models/m']) {
      const reply = await get(path);
      assert.equal(reply.status, 200, path);
      assert.ok(isApp(reply.text), path);
    }
  });

  it('never sends a file from outside the build', async () => {
    for (const path of [
      '/studio/assets/leak.js',
      '/studio/../package.json',
      '/studio/%2e%2e/package.json',
      '/studio/assets/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/studio/assets/..%2f..%2f..%2fpackage.json',
      '/studio/assets/..%5c..%5c..%5cpackage.json',
      '/studio/%2e%2e%2f%2e%2e%2fsrc%2fconfig.ts',
    ]) {
      const reply = await get(path);
      assert.ok(!reply.text.includes('"devDependencies"'), path);
      assert.ok(!reply.text.includes('STUDIO_DIR'), path);
      assert.notEqual(reply.status, 500, path);
    }
  });
});
