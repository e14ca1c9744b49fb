/**
 * Resources as JSON documents in one PostgreSQL table, keyed by kind, scope, name (case-insensitive,
 * through its folded key) and version. An identity column keeps list order stable (oldest first) without
 * relying on clocks; bodies are kept as the text they were written as.
 */
import type { ResourceKey, ResourceKind, ResourceRepository } from '../contract.ts';
import { foldCase, type Database } from './database.ts';

const KEY = 'kind = $1 AND scope = $2 AND name_key = $3 AND version = $4';

export function createPostgresResourceRepository(db: Database): ResourceRepository {
  const keyOf = (kind: ResourceKind, key: ResourceKey): [string, string, string, string] => [
    kind,
    key.scope ?? '',
    foldCase(key.name),
    key.version ?? '',
  ];
  const bodies = async <T>(sql: string, args: string[]): Promise<T[]> =>
    (await db.query<{ body: string }>(sql, args)).rows.map((r) => JSON.parse(r.body) as T);

  return {
    async get<T>(kind: ResourceKind, key: ResourceKey) {
      const [found] = await bodies<T>(`SELECT body FROM resources WHERE ${KEY}`, keyOf(kind, key));
      return found;
    },
    list<T>(kind: ResourceKind, filter: { scope?: string; name?: string } = {}) {
      if (filter.name !== undefined) {
        return bodies<T>(
          'SELECT body FROM resources WHERE kind = $1 AND scope = $2 AND name_key = $3 ORDER BY seq',
          [kind, filter.scope ?? '', foldCase(filter.name)],
        );
      }
      if (filter.scope !== undefined) {
        return bodies<T>('SELECT body FROM resources WHERE kind = $1 AND scope = $2 ORDER BY seq', [
          kind,
          filter.scope,
        ]);
      }
      return bodies<T>('SELECT body FROM resources WHERE kind = $1 ORDER BY seq', [kind]);
    },
    async insert(kind: ResourceKind, key: ResourceKey, doc: unknown) {
      const done = await db.query(
        `INSERT INTO resources (kind, scope, name_key, version, body) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING`,
        [...keyOf(kind, key), JSON.stringify(doc)],
      );
      return done.rowCount === 1;
    },
    async replace(kind: ResourceKind, key: ResourceKey, doc: unknown) {
      const done = await db.query(`UPDATE resources SET body = $5 WHERE ${KEY}`, [
        ...keyOf(kind, key),
        JSON.stringify(doc),
      ]);
      return done.rowCount === 1;
    },
    async remove(kind: ResourceKind, key: ResourceKey) {
      return (await db.query(`DELETE FROM resources WHERE ${KEY}`, keyOf(kind, key))).rowCount === 1;
    },
    async removeScope(kind: ResourceKind, scope: string) {
      return (
        (await db.query('DELETE FROM resources WHERE kind = $1 AND scope = $2', [kind, scope])).rowCount ?? 0
      );
    },
  };
}
