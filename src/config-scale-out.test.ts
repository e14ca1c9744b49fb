import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './config.ts';
import { queuePrefixOf, redactUrl } from './config-scale-out.ts';

const base = { cwd: '/work', flags: { dataDir: '/var/ns' } };

test('scale-out: embedded unless both URLs are given; flag > environment', () => {
  assert.equal(loadConfig(base).scaleOut, undefined);
  const env = {
    NIGHTSHIFT_DATABASE_URL: 'postgresql://ns@db:5432/nightshift',
    NIGHTSHIFT_QUEUE_URL: 'redis://queue:6379',
  };
  assert.deepEqual(loadConfig({ ...base, env }).scaleOut, {
    database: 'postgresql://ns@db:5432/nightshift',
    queue: 'redis://queue:6379',
  });
  const flags = { ...base.flags, database: 'postgres://other/db' };
  assert.equal(loadConfig({ ...base, flags, env }).scaleOut?.database, 'postgres://other/db');
});

test('scale-out: one URL alone, or a wrong scheme, is refused naming the setting and the fix', () => {
  assert.throws(
    () => loadConfig({ ...base, env: { NIGHTSHIFT_DATABASE_URL: 'postgresql://db/ns' } }),
    (error: Error & { field?: string }) =>
      error.field === 'queue' && /needs both --database .* Give --queue too/.test(error.message),
  );
  assert.throws(
    () =>
      loadConfig({
        ...base,
        env: { NIGHTSHIFT_DATABASE_URL: 'mysql://u:hunter2@db/ns', NIGHTSHIFT_QUEUE_URL: 'redis://q' },
      }),
    (error: Error & { field?: string }) =>
      error.field === 'database' &&
      /postgresql:\/\/ or postgres:\/\//.test(error.message) &&
      !error.message.includes('hunter2'),
  );
  assert.throws(
    () =>
      loadConfig({
        ...base,
        env: { NIGHTSHIFT_DATABASE_URL: 'postgresql://db/ns', NIGHTSHIFT_QUEUE_URL: 'q:6379' },
      }),
    (error: Error & { field?: string }) => error.field === 'queue',
  );
});

test('a queue URL may carry the key prefix; the Redis client gets the URL without it', () => {
  assert.deepEqual(queuePrefixOf('redis://queue:6379'), {
    connection: 'redis://queue:6379',
    prefix: 'nightshift',
  });
  assert.deepEqual(queuePrefixOf('rediss://:pw@queue:6380/2?prefix=team-a'), {
    connection: 'rediss://:pw@queue:6380/2',
    prefix: 'team-a',
  });
  assert.throws(
    () =>
      loadConfig({
        ...base,
        env: {
          NIGHTSHIFT_DATABASE_URL: 'postgresql://db/ns',
          NIGHTSHIFT_QUEUE_URL: 'redis://:pw@q?prefix=a:b',
        },
      }),
    (error: Error & { field?: string }) =>
      error.field === 'queue' &&
      /prefix 'a:b' must be 1 to 64 letters/.test(error.message) &&
      !error.message.includes('pw'),
  );
});

test('redactUrl hides a password and nothing else', () => {
  assert.equal(redactUrl('postgresql://ns:s3cret@db:5432/x'), 'postgresql://ns:***@db:5432/x');
  assert.equal(redactUrl('redis://:s3cret@q:6379'), 'redis://:***@q:6379');
  assert.equal(redactUrl('redis://q:6379'), 'redis://q:6379');
  assert.equal(redactUrl('postgresql://ns@db/x'), 'postgresql://ns@db/x');
});
