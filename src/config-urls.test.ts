import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.ts';

test('URL policy: public https only by default; flag > environment > file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-config-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({ urls: { allowHosts: ['files.internal'], allowHttp: true, caFile: 'ca.pem' } }),
  );
  const base = { cwd: '/work', flags: { dataDir: '/var/ns' } };
  assert.deepEqual(loadConfig(base).urls, { allowHosts: [], allowHttp: false });
  assert.deepEqual(loadConfig({ ...base, flags: { ...base.flags, configFile: file } }).urls, {
    allowHosts: ['files.internal'],
    allowHttp: true,
    caFile: '/work/ca.pem',
  });
  const env = {
    NIGHTSHIFT_ALLOW_URL_HOSTS: ' 10.0.0.0/8, localhost:8443 ',
    NIGHTSHIFT_URL_CA_FILE: '/etc/ca.pem',
  };
  assert.deepEqual(loadConfig({ ...base, env }).urls, {
    allowHosts: ['10.0.0.0/8', 'localhost:8443'],
    allowHttp: false,
    caFile: '/etc/ca.pem',
  });
  const flags = { ...base.flags, allowUrlHosts: '[::1]:9443', allowHttpUrls: 'true' };
  assert.deepEqual(loadConfig({ ...base, env, flags }).urls.allowHosts, ['[::1]:9443']);
  assert.equal(loadConfig({ ...base, env, flags }).urls.allowHttp, true);
});

test('a malformed allowed host is refused at start, naming it', () => {
  assert.throws(
    () => loadConfig({ cwd: '/work', flags: { dataDir: '/var/ns', allowUrlHosts: 'ok.example,http://bad' } }),
    /Invalid allowUrlHosts entry 'http:\/\/bad'/,
  );
});
