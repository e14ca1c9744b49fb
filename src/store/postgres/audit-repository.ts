/**
 * The audit log as an append-only PostgreSQL table. The columns a filter needs are real columns (names
 * and the action by their folded keys, so filters ignore case as SQLite's do); the rest of an entry is a
 * JSON body, so adding a field to entries needs no migration.
 */
import type { AuditEntry, AuditFilter, AuditRepository } from '../contract.ts';
import { foldCase, type Database } from './database.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

export function createPostgresAuditRepository(db: Database): AuditRepository {
  return {
    async append(entry) {
      // The sequence number is the table's to assign; one passed in is not stored.
      const body: AuditEntry = { ...entry };
      delete body.seq;
      await db.query(
        `INSERT INTO audit_log (time, principal_id_key, principal_key, action_key, result, body)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          entry.time,
          foldCase(entry.principalId),
          foldCase(entry.principal),
          foldCase(entry.action),
          entry.result,
          JSON.stringify(body),
        ],
      );
    },
    async list(filter: AuditFilter = {}) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      const arg = (value: string | number): string => `$${String(args.push(value))}`;
      if (filter.since !== undefined) where.push(`time >= ${arg(filter.since)}`);
      if (filter.principal !== undefined) {
        const principal = arg(foldCase(filter.principal));
        where.push(`(principal_id_key = ${principal} OR principal_key = ${principal})`);
      }
      if (filter.action !== undefined) where.push(`strpos(action_key, ${arg(foldCase(filter.action))}) > 0`);
      if (filter.result !== undefined) where.push(`result = ${arg(filter.result)}`);
      if (filter.resource !== undefined) {
        // Scope and path are in the JSON body only: a scan, bounded by the other filters and the limit.
        const resource = `lower(${arg(filter.resource)})`;
        where.push(
          `(strpos(lower((body::json)->>'scope'), ${resource}) > 0 OR ` +
            `strpos(lower((body::json)->>'path'), ${resource}) > 0)`,
        );
      }
      if (filter.until !== undefined) where.push(`time < ${arg(filter.until)}`);
      if (filter.beforeSeq !== undefined) where.push(`seq < ${arg(filter.beforeSeq)}`);
      const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
      const sql =
        `SELECT seq, body FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
        `ORDER BY seq DESC LIMIT ${arg(limit)}`;
      const { rows } = await db.query<{ seq: string; body: string }>(sql, args);
      return rows.map((r) => ({ seq: Number(r.seq), ...(JSON.parse(r.body) as AuditEntry) }));
    },
  };
}
