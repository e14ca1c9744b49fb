// The wrong-secret limiter on an injected clock: per (client, source), a backoff that grows, no sleeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttemptLimiter, limiterKey } from './attempt-limiter.ts';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

test('after the free failures each wrong secret waits twice as long: 1 s, 2 s, 4 s ... capped', () => {
  const c = clock();
  const l = new AttemptLimiter({ now: c.now });
  const key = limiterKey('App-1', '10.0.0.1');
  for (let i = 0; i < 4; i++) assert.deepEqual(l.fail(key), { allowed: true, retryAfterSeconds: 0 });
  const waits: number[] = [];
  for (let i = 0; i < 12; i++) {
    const decision = l.fail(key);
    assert.equal(decision.allowed, false);
    waits.push(decision.retryAfterSeconds);
    assert.deepEqual(l.check(key), decision, 'refused until the wait is over');
    c.t += decision.retryAfterSeconds * 1000 - 1;
    assert.equal(l.check(key).allowed, false, 'not a millisecond early');
    c.t += 1;
    assert.deepEqual(l.check(key), { allowed: true, retryAfterSeconds: 0 }, 'unlocked after the wait');
  }
  assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
});

test('the wait is counted per client and source: others are never locked by it', () => {
  const c = clock();
  const l = new AttemptLimiter({ freeFailures: 1, baseBackoffMs: 60_000, now: c.now });
  const attacker = limiterKey('owner-app', '10.6.6.6');
  l.fail(attacker);
  assert.equal(l.fail(attacker).allowed, false);
  assert.equal(l.check(attacker).allowed, false);
  assert.equal(l.check(limiterKey('owner-app', '10.0.0.1')).allowed, true, 'the owner, from its machine');
  assert.equal(l.check(limiterKey('OWNER-APP', '127.0.0.1')).allowed, true, 'the owner, on the host');
  assert.equal(l.check(limiterKey('other-app', '10.6.6.6')).allowed, true, 'another client, same source');
});

test('made-up client ids from one source share one count', () => {
  const c = clock();
  const l = new AttemptLimiter({ freeFailures: 2, now: c.now });
  assert.equal(limiterKey(undefined, '10.0.0.9'), limiterKey(undefined, '10.0.0.9'));
  l.fail(limiterKey(undefined, '10.0.0.9'));
  l.fail(limiterKey(undefined, '10.0.0.9'));
  assert.equal(l.fail(limiterKey(undefined, '10.0.0.9')).allowed, false);
  assert.equal(l.check(limiterKey('real-app', '10.0.0.9')).allowed, true);
  assert.equal(l.check(limiterKey(undefined, '10.0.0.8')).allowed, true);
});

test('success starts the pair afresh; an old streak is forgotten', () => {
  const c = clock();
  const l = new AttemptLimiter({ freeFailures: 2, forgetAfterMs: 60_000, now: c.now });
  const key = limiterKey('app-1', '10.0.0.1');
  l.fail(key);
  l.fail(key);
  l.succeed(key);
  assert.equal(l.fail(key).allowed, true, 'counting starts afresh after a success');
  assert.equal(l.fail(key).allowed, true);
  assert.equal(l.fail(key).allowed, false);
  c.t += 60_000;
  assert.equal(l.fail(key).allowed, true, 'a streak older than forgetAfterMs is forgotten');
});

test('memory stays bounded under a flood of sources', () => {
  const c = clock();
  const l = new AttemptLimiter({ maxKeys: 100, now: c.now });
  for (let i = 0; i < 1000; i++) l.fail(limiterKey('app', `10.0.${i >> 8}.${i & 255}`));
  assert.ok(l.size <= 100);
});
