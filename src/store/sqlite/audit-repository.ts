/**
 * The audit log as an append-only SQLite table. The columns a filter needs are real columns; the rest of
 * an entry is a JSON body, so adding a field to entries needs no migration.
 */
import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { AuditEntry, AuditFilter, AuditRepository } from '../contract.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

export function createSqliteAuditRepository(db: DatabaseSync): AuditRepository {
  const insert = db.prepare(
    'INSERT INTO audit_log (time, principal_id, principal, result, body) VALUES (?, ?, ?, ?, ?)',
  );
  return {
    append(entry) {
      // The sequence number is the table's to assign; one passed in is not stored.
      const body: AuditEntry = { ...entry };
      delete body.seq;
      insert.run(entry.time, entry.principalId, entry.principal, entry.result, JSON.stringify(body));
      return Promise.resolve();
    },
    list(filter: AuditFilter = {}) {
      const where: string[] = [];
      const args: SQLInputValue[] = [];
      if (filter.since !== undefined) {
        where.push('time >= ?');
        args.push(filter.since);
      }
      if (filter.principal !== undefined) {
        where.push('(principal_id = ? OR principal = ?)');
        args.push(filter.principal, filter.principal);
      }
      if (filter.action !== undefined) {
        where.push("instr(lower(json_extract(body, '$.action')), lower(?)) > 0");
        args.push(filter.action);
      }
      if (filter.result !== undefined) {
        where.push('result = ?');
        args.push(filter.result);
      }
      if (filter.resource !== undefined) {
        where.push(
          "(instr(lower(json_extract(body, '$.scope')), lower(?)) > 0 OR " +
            "instr(lower(json_extract(body, '$.path')), lower(?)) > 0)",
        );
        args.push(filter.resource, filter.resource);
      }
      if (filter.until !== undefined) {
        where.push('time < ?');
        args.push(filter.until);
      }
      if (filter.beforeSeq !== undefined) {
        where.push('seq < ?');
        args.push(filter.beforeSeq);
      }
      const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
      const sql =
        `SELECT seq, body FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
        'ORDER BY seq DESC LIMIT ?';
      const rows = db.prepare(sql).all(...args, limit) as { seq: number; body: string }[];
      return Promise.resolve(rows.map((r) => ({ seq: r.seq, ...(JSON.parse(r.body) as AuditEntry) })));
    },
  };
}
