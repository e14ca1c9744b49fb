// The server's issuer: configured, else fixed from the first listening URL and kept in the data dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ISSUER_FILE, normalizeIssuerUrl, openServerIssuer } from './server-issuer.ts';
import { StartupError, ValidationError } from '../../core/errors.ts';
import { loadConfig } from '../../config.ts';

function withDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'nightshift-issuer-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('without configuration the first listening URL is fixed, stored, and kept at later starts', () => {
  withDir((dataDir) => {
    const listening: string[] = [];
    const first = openServerIssuer({ dataDir, listening: () => listening });
    assert.throws(() => first.url(), StartupError, 'not before the server listens');
    listening.push('http://127.0.0.1:8080');
    assert.equal(first.url(), 'http://127.0.0.1:8080');
    listening.unshift('http://127.0.0.1:9999');
    assert.equal(first.url(), 'http://127.0.0.1:8080', 'fixed once');
    const stored = JSON.parse(readFileSync(join(dataDir, ISSUER_FILE), 'utf8')) as { issuerUrl: string };
    assert.equal(stored.issuerUrl, 'http://127.0.0.1:8080');

    const restarted = openServerIssuer({ dataDir, listening: () => ['http://0.0.0.0:7000'] });
    assert.equal(restarted.url(), 'http://127.0.0.1:8080');
  });
});

test('a configured issuer wins over the stored one and is not stored', () => {
  withDir((dataDir) => {
    openServerIssuer({ dataDir, listening: () => ['http://127.0.0.1:1'] }).url();
    const configured = openServerIssuer({
      configured: 'https://ns.example.com',
      dataDir,
      listening: () => ['http://127.0.0.1:2'],
    });
    assert.equal(configured.url(), 'https://ns.example.com');
    const stored = JSON.parse(readFileSync(join(dataDir, ISSUER_FILE), 'utf8')) as { issuerUrl: string };
    assert.equal(stored.issuerUrl, 'http://127.0.0.1:1');
  });
});

test('a damaged issuer file stops the start, naming the file and the fix', () => {
  withDir((dataDir) => {
    for (const body of ['{ not json', '{"issuerUrl": 3}', '{"issuerUrl": "ftp://x"}']) {
      writeFileSync(join(dataDir, ISSUER_FILE), body);
      assert.throws(
        () => openServerIssuer({ dataDir, listening: () => [] }),
        (error: unknown) =>
          error instanceof StartupError &&
          error.message.includes(join(dataDir, ISSUER_FILE)) &&
          /--issuer-url/.test(error.message),
        body,
      );
    }
  });
});

test('issuer URLs are http(s) without query, fragment or credentials, and lose trailing slashes', () => {
  assert.equal(normalizeIssuerUrl('https://NS.example.com/', 'f'), 'https://ns.example.com');
  assert.equal(normalizeIssuerUrl('http://127.0.0.1:8080/base//', 'f'), 'http://127.0.0.1:8080/base');
  for (const bad of ['', 'ns.example.com', 'ftp://x', 'https://x/?a=1', 'https://x/#f', 'https://u:p@x']) {
    assert.throws(() => normalizeIssuerUrl(bad, 'issuerUrl'), ValidationError, bad);
  }
});

test('config: flag over environment over file, checked when loaded', () => {
  withDir((dir) => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ auth: { issuerUrl: 'https://file.example' } }));
    const env = { NIGHTSHIFT_ISSUER_URL: 'https://env.example/' };
    const flags = { configFile: file };
    assert.equal(loadConfig({ flags, env: {} }).auth.issuerUrl, 'https://file.example');
    assert.equal(loadConfig({ flags, env }).auth.issuerUrl, 'https://env.example');
    const flagged = loadConfig({ flags: { ...flags, issuerUrl: 'https://flag.example' }, env });
    assert.equal(flagged.auth.issuerUrl, 'https://flag.example');
    assert.equal(loadConfig({ env: {} }).auth.issuerUrl, undefined);
    assert.throws(
      () => loadConfig({ env: { NIGHTSHIFT_ISSUER_URL: 'evil.example' } }),
      (error: unknown) => error instanceof ValidationError && /issuerUrl 'evil.example'/.test(error.message),
    );
  });
});
