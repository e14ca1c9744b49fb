/**
 * Resources as JSON documents in one SQLite table, keyed by kind, scope, name (case-insensitive) and
 * version. A sequence number keeps list order stable (oldest first) without relying on clocks.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { ResourceKey, ResourceKind, ResourceRepository } from '../contract.ts';

export function createSqliteResourceRepository(db: DatabaseSync): ResourceRepository {
  const statements = {
    get: db.prepare('SELECT body FROM resources WHERE kind = ? AND scope = ? AND name = ? AND version = ?'),
    listAll: db.prepare('SELECT body FROM resources WHERE kind = ? ORDER BY seq'),
    listScope: db.prepare('SELECT body FROM resources WHERE kind = ? AND scope = ? ORDER BY seq'),
    listName: db.prepare('SELECT body FROM resources WHERE kind = ? AND scope = ? AND name = ? ORDER BY seq'),
    insert: db.prepare(
      `INSERT INTO resources (kind, scope, name, version, body, seq)
       VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM resources))
       ON CONFLICT DO NOTHING`,
    ),
    replace: db.prepare(
      'UPDATE resources SET body = ? WHERE kind = ? AND scope = ? AND name = ? AND version = ?',
    ),
    remove: db.prepare('DELETE FROM resources WHERE kind = ? AND scope = ? AND name = ? AND version = ?'),
    removeScope: db.prepare('DELETE FROM resources WHERE kind = ? AND scope = ?'),
  };
  const keyOf = (key: ResourceKey): [string, string, string] => [
    key.scope ?? '',
    key.name,
    key.version ?? '',
  ];
  const parse = <T>(rows: unknown[]): T[] => rows.map((r) => JSON.parse((r as { body: string }).body) as T);

  return {
    get<T>(kind: ResourceKind, key: ResourceKey) {
      const row = statements.get.get(kind, ...keyOf(key)) as { body: string } | undefined;
      return Promise.resolve(row ? (JSON.parse(row.body) as T) : undefined);
    },
    list<T>(kind: ResourceKind, filter: { scope?: string; name?: string } = {}) {
      if (filter.name !== undefined) {
        return Promise.resolve(parse<T>(statements.listName.all(kind, filter.scope ?? '', filter.name)));
      }
      if (filter.scope !== undefined)
        return Promise.resolve(parse<T>(statements.listScope.all(kind, filter.scope)));
      return Promise.resolve(parse<T>(statements.listAll.all(kind)));
    },
    insert(kind: ResourceKind, key: ResourceKey, doc: unknown) {
      const result = statements.insert.run(kind, ...keyOf(key), JSON.stringify(doc));
      return Promise.resolve(Number(result.changes) === 1);
    },
    replace(kind: ResourceKind, key: ResourceKey, doc: unknown) {
      const result = statements.replace.run(JSON.stringify(doc), kind, ...keyOf(key));
      return Promise.resolve(Number(result.changes) === 1);
    },
    remove(kind: ResourceKind, key: ResourceKey) {
      return Promise.resolve(Number(statements.remove.run(kind, ...keyOf(key)).changes) === 1);
    },
    removeScope(kind: ResourceKind, scope: string) {
      return Promise.resolve(Number(statements.removeScope.run(kind, scope).changes));
    },
  };
}
