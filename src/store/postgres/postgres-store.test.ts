/**
 * What the PostgreSQL store does beyond the metadata contract (test/contracts runs that against it):
 * servers starting together on an empty database migrate it once between them, a schema keeps
 * deployments apart, and names fold case exactly as SQLite's NOCASE does.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ValidationError } from '../../core/errors.ts';
import { needs, POSTGRES, testDatabaseUrl } from '../../../test/helpers/components.ts';
import { foldCase } from './database.ts';
import { createPostgresStore } from './postgres-store.ts';

const postgres = await needs(POSTGRES);

/** Runs `sql` on a connection of its own, outside any store. */
async function query<T>(sql: string, args: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    return (await client.query(sql, args)).rows as T[];
  } finally {
    await client.end();
  }
}

void describe('the PostgreSQL metadata store', postgres, () => {
  const schemas: string[] = [];
  const freshSchema = (): string => {
    const schema = `ns_unit_${randomBytes(8).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  after(async () => {
    for (const schema of schemas) await query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  test('servers opening an empty schema at the same moment migrate it once between them', async () => {
    for (let round = 0; round < 3; round++) {
      const schema = freshSchema();
      const stores = await Promise.all(
        Array.from({ length: 4 }, () => createPostgresStore({ url: testDatabaseUrl(), schema })),
      );
      try {
        const versions = await query<{ version: number }>(
          `SELECT version FROM ${schema}.schema_version ORDER BY version`,
        );
        assert.deepEqual(
          versions.map((v) => v.version),
          versions.map((_, i) => i + 1),
        );
        assert.ok(versions.length > 0);
        assert.equal(await stores[0]?.resources.insert('endpoint', { name: 'shared' }, { by: 0 }), true);
        assert.deepEqual(await stores[3]?.resources.get('endpoint', { name: 'SHARED' }), { by: 0 });
      } finally {
        for (const store of stores) await store.close();
      }
    }
  });

  test('a schema keeps its tables apart from another schema in the same database', async () => {
    const [one, two] = [freshSchema(), freshSchema()];
    const first = await createPostgresStore({ url: testDatabaseUrl(), schema: one });
    const second = await createPostgresStore({ url: testDatabaseUrl(), schema: two });
    try {
      await first.resources.insert('models', { name: 'm', version: '1' }, { in: one });
      assert.deepEqual(await second.resources.list('models'), []);
      assert.deepEqual(await first.resources.list('models'), [{ in: one }]);
    } finally {
      await first.close();
      await second.close();
    }
  });

  test('closing twice is harmless, as with SQLite', async () => {
    const store = await createPostgresStore({ url: testDatabaseUrl(), schema: freshSchema() });
    await store.close();
    await store.close();
  });
});

void describe('PostgreSQL store options and names', () => {
  test('a schema name that is not a plain lower-case identifier is refused, naming the field', async () => {
    for (const schema of ['Upper', 'with space', 'x;DROP TABLE y', '1starts_with_digit', 'a'.repeat(64)]) {
      await assert.rejects(createPostgresStore({ url: testDatabaseUrl(), schema }), (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.field, 'schema');
        assert.match(error.message, /lower-case letters, digits and '_'/);
        return true;
      });
    }
  });

  test('a database that cannot be reached fails the open with the connection error', async () => {
    // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
    await assert.rejects(
      createPostgresStore({ url: 'postgresql://postgres@127.0.0.1:1/test', schema: 'ns_unreachable' }),
      /ECONNREFUSED/,
    );
  });

  test('names fold ASCII letters only, as SQLite NOCASE compares them', () => {
    assert.equal(foldCase('Blue-DEPLOYMENT_2'), 'blue-deployment_2');
    assert.equal(foldCase('ÄRGER-Straße'), 'Ärger-straße');
  });
});
