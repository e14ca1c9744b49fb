import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSecretBox, SECRET_BOX_KEY_FILE, SecretBoxError } from './secret-box.ts';

function withDataDir(run: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nightshift-secret-box-'));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'seals and opens text; the same text seals differently each time and never appears in the sealed form',
  withDataDir(async (dir) => {
    const box = await openSecretBox(dir);
    const first = box.seal('p@ssw0rd é');
    const second = box.seal('p@ssw0rd é');
    assert.notEqual(first, second);
    assert.ok(!first.includes('p@ssw0rd'));
    assert.equal(box.open(first), 'p@ssw0rd é');
    assert.equal(box.open(box.seal('')), '');
    assert.ok(box.isSealed(first));
    assert.ok(!box.isSealed('p@ssw0rd') && !box.isSealed(42));
  }),
);

test(
  'the key file is made at first start, readable by the owner only, and reused by the next start',
  withDataDir(async (dir) => {
    const sealed = (await openSecretBox(dir)).seal('kept');
    const file = join(dir, SECRET_BOX_KEY_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const key = readFileSync(file, 'utf8');
    const again = await openSecretBox(dir);
    assert.equal(readFileSync(file, 'utf8'), key);
    assert.equal(again.open(sealed), 'kept');
  }),
);

test(
  'a tampered ciphertext, a truncated one or another key is refused with SecretBoxError',
  withDataDir(async (dir) => {
    const box = await openSecretBox(dir);
    const sealed = box.seal('secret value');
    const body = Buffer.from(sealed.slice('nsbox1:'.length), 'base64url');
    body[body.length - 1] = (body[body.length - 1] ?? 0) ^ 1;
    const tampered = `nsbox1:${body.toString('base64url')}`;
    assert.throws(() => box.open(tampered), SecretBoxError);
    assert.throws(() => box.open('nsbox1:AAAA'), /truncated/);
    assert.throws(() => box.open('plain'), /not a sealed secret/);
    const other = mkdtempSync(join(tmpdir(), 'nightshift-secret-box-'));
    try {
      const stranger = await openSecretBox(other);
      assert.throws(() => stranger.open(sealed), /does not match this data dir's key/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }),
);

test(
  'a damaged key file stops the start with a message naming it',
  withDataDir(async (dir) => {
    writeFileSync(join(dir, SECRET_BOX_KEY_FILE), 'c2hvcnQ=', { mode: 0o644 });
    await assert.rejects(openSecretBox(dir), /secret-box\.key does not hold a 32-byte key/);
  }),
);
