import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashSecret, newClientId, newSecret, verifySecret } from './secret-hash.ts';

test('secrets are ~40 URL-safe characters and differ each time', () => {
  const a = newSecret();
  assert.match(a, /^[A-Za-z0-9_-]{40}$/);
  assert.notEqual(a, newSecret());
});

test('client ids are GUIDs', () => {
  assert.match(newClientId(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('hash round trip, a wrong secret, and salted hashes', async () => {
  const secret = newSecret();
  const stored = await hashSecret(secret);
  assert.match(stored, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.ok(!stored.includes(secret));
  assert.equal(await verifySecret(secret, stored), true);
  assert.equal(await verifySecret(`${secret}x`, stored), false);
  assert.equal(await verifySecret('', stored), false);
  const again = await hashSecret(secret);
  assert.notEqual(again, stored, 'a fresh salt each time');
  assert.equal(await verifySecret(secret, again), true);
});

test('missing or malformed stored hashes never verify', async () => {
  const stored = await hashSecret('s3cret');
  const [, , , , salt, hash] = stored.split('$');
  for (const bad of [
    undefined,
    '',
    'plain-text',
    stored.replace('scrypt', 'bcrypt'),
    `${stored}$extra`,
    `scrypt$1000$8$1$${salt}$${hash}`,
    `scrypt$${2 ** 24}$8$1$${salt}$${hash}`,
    `scrypt$16384$0$1$${salt}$${hash}`,
    `scrypt$16384$8$1$${salt}$`,
  ]) {
    assert.equal(await verifySecret('s3cret', bad), false, String(bad));
  }
});
