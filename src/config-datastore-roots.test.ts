import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.ts';

test('datastore roots: flag > environment > file > <dataDir>/datastores', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-config-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ datastoreRoots: ['/srv/from-file'] }));
  const base = { cwd: '/work', flags: { dataDir: '/var/ns' } };
  assert.deepEqual(loadConfig(base).datastoreRoots, ['/var/ns/datastores']);
  assert.deepEqual(loadConfig({ ...base, flags: { ...base.flags, configFile: file } }).datastoreRoots, [
    '/srv/from-file',
  ]);
  const env = { NIGHTSHIFT_DATASTORE_ROOTS: '/srv/a::relative/b:', NIGHTSHIFT_CONFIG: file };
  assert.deepEqual(loadConfig({ ...base, env }).datastoreRoots, ['/srv/a', '/work/relative/b']);
  const flags = { ...base.flags, datastoreRoots: ['/mnt/x', '/mnt/y'] };
  assert.deepEqual(loadConfig({ ...base, env, flags }).datastoreRoots, ['/mnt/x', '/mnt/y']);
});

test("a config file's datastoreRoots must be a list of paths", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-config-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ datastoreRoots: '/one/string' }));
  assert.throws(
    () => loadConfig({ flags: { configFile: file } }),
    /'datastoreRoots' in the config file must be a list/,
  );
});
