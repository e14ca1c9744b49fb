/**
 * Every MetadataStore implementation the contract suites run against (metadata-store*.test.ts). A new
 * store is one more entry: `open` makes a store whose data lives in (or is named after) the given
 * folder, so opening the same folder again finds the same data, as a restarted server does. PostgreSQL
 * keeps each test's tables in a schema named after its folder, dropped when the test ends.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import type { MetadataStore } from '../../src/store/contract.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { needs, POSTGRES, testDatabaseUrl } from '../helpers/components.ts';
import type { Implementation } from './implementations.ts';

/** A schema name unique to the test's folder, the same every time that folder is opened. */
function schemaFor(dir: string): string {
  return `ns_test_${createHash('sha256').update(dir).digest('hex').slice(0, 24)}`;
}

/** Drops a test's schema and everything in it. */
async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export const metadataStores: readonly Implementation<MetadataStore>[] = [
  { name: 'sqlite', open: (dir) => createSqliteStore(join(dir, 'meta.db')) },
  {
    name: 'postgres',
    requires: () => needs(POSTGRES),
    open: (dir) => createPostgresStore({ url: testDatabaseUrl(), schema: schemaFor(dir) }),
    discard: (dir) => dropSchema(schemaFor(dir)),
  },
];
