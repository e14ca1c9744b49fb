/**
 * What the scale-out tests share: a PostgreSQL database of their own on the test server (made and dropped
 * by the test), a scoring script slow enough to kill things in the middle of, and the check that a job's
 * output holds every input exactly once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { testDatabaseUrl } from './components.ts';

/** About 100 ms a file: a job of tens of files runs for seconds. */
export const SLEEPY_SCRIPT = {
  file: 'sleepy.mjs',
  source: `import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
export async function run(miniBatch) {
  const out = [];
  for (const file of miniBatch) {
    await sleep(100);
    out.push(basename(file));
  }
  return out;
}
`,
};

/** Runs one statement on the test server's own database (CREATE / DROP DATABASE, pg_terminate_backend). */
export async function adminQuery(sql: string, values: unknown[] = []): Promise<void> {
  const client = new Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    await client.query(sql, values);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A new, empty database on the test server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ns_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Every input name appears exactly once among the output's lines. */
export function assertEachOnce(lines: readonly string[], inputs: readonly string[]): void {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  const doubled = [...counts].filter(([, n]) => n > 1).map(([line]) => line);
  assert.deepEqual(doubled, [], 'no input is written twice');
  assert.deepEqual(
    inputs.filter((name) => !counts.has(name)),
    [],
    'no input is missing',
  );
  assert.equal(lines.length, inputs.length);
}
