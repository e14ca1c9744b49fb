import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttemptLimiter, limiterKeys } from './attempt-limiter.ts';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

test('locks after N failures within the window and unlocks after the cool-down', () => {
  const c = clock();
  const l = new AttemptLimiter({ maxFailures: 3, windowMs: 60_000, lockoutMs: 120_000, now: c.now });
  const keys = limiterKeys('App-1', '10.0.0.1');
  assert.deepEqual(l.fail(keys), { allowed: true, retryAfterSeconds: 0 });
  assert.equal(l.fail(keys).allowed, true);
  assert.deepEqual(l.fail(keys), { allowed: false, retryAfterSeconds: 120 });
  c.t += 30_500;
  assert.deepEqual(l.check(keys), { allowed: false, retryAfterSeconds: 90 });
  // Each key locks on its own: the same client from another address is refused too.
  assert.equal(l.check(limiterKeys('app-1', '10.9.9.9')).allowed, false);
  assert.equal(l.check(limiterKeys('app-2', '10.0.0.1')).allowed, false);
  assert.equal(l.check(limiterKeys('app-2', '10.9.9.9')).allowed, true);
  c.t += 90_000;
  assert.deepEqual(l.check(keys), { allowed: true, retryAfterSeconds: 0 });
  assert.equal(l.fail(keys).allowed, true, 'counting starts afresh after a lockout');
});

test('failures older than the window do not count', () => {
  const c = clock();
  const l = new AttemptLimiter({ maxFailures: 3, windowMs: 60_000, lockoutMs: 120_000, now: c.now });
  const keys = limiterKeys('app-1', undefined);
  l.fail(keys);
  l.fail(keys);
  c.t += 61_000;
  assert.equal(l.fail(keys).allowed, true);
  assert.equal(l.fail(keys).allowed, true);
  assert.equal(l.fail(keys).allowed, false);
});

test('success resets the client id', () => {
  const c = clock();
  const l = new AttemptLimiter({ maxFailures: 2, now: c.now });
  const [client, addr] = limiterKeys('app-1', '10.0.0.1');
  assert.ok(client && addr);
  l.fail([client, addr]);
  l.succeed([client]);
  assert.equal(l.fail([client]).allowed, true);
  assert.equal(l.fail([addr]).allowed, false, 'the address count is not reset by a success');
});

test('memory stays bounded under a flood of keys', () => {
  const c = clock();
  const l = new AttemptLimiter({ maxKeys: 100, now: c.now });
  for (let i = 0; i < 1000; i++) l.fail([`addr:10.0.${i >> 8}.${i & 255}`]);
  assert.ok(l.size <= 100);
  assert.deepEqual(limiterKeys(undefined, undefined), []);
});

test('the loopback address is never a lockout key, so one bad local client cannot lock out the host', () => {
  assert.deepEqual(limiterKeys('App', '127.0.0.1'), ['client:app']);
  assert.deepEqual(limiterKeys('App', '::ffff:127.0.0.1'), ['client:app']);
  assert.deepEqual(limiterKeys('App', '10.1.2.3'), ['client:app', 'addr:10.1.2.3']);
});
