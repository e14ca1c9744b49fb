/**
 * The embedded task queue: a leased table in the same SQLite file as the metadata. Claiming is one
 * UPDATE … RETURNING over an index; expired leases are swept by a separate call, which keeps the claim
 * query fast (an OR on lease expiry in the claim made it an order of magnitude slower when measured).
 */
import type { DatabaseSync } from 'node:sqlite';
import type { QueuedTask, TaskQueue } from './contract.ts';

interface Row {
  id: string;
  job: string;
  payload: string;
}

export function createSqliteTaskQueue(db: DatabaseSync, clock: () => number = Date.now): TaskQueue {
  const q = {
    enqueue: db.prepare(
      `INSERT INTO task_queue (id, job, payload, state, available_at, seq)
       VALUES (?, ?, ?, 'ready', 0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM task_queue)) ON CONFLICT DO NOTHING`,
    ),
    lease: db.prepare(
      `UPDATE task_queue SET state = 'leased', lease_owner = ?, lease_until = ?
       WHERE id IN (SELECT id FROM task_queue WHERE job = ? AND state = 'ready' AND available_at <= ? ORDER BY seq LIMIT ?)
       RETURNING id, job, payload`,
    ),
    heartbeat: db.prepare(
      `UPDATE task_queue SET lease_until = ? WHERE id = ? AND lease_owner = ? AND state = 'leased'`,
    ),
    ack: db.prepare(`DELETE FROM task_queue WHERE id = ? AND lease_owner = ?`),
    nack: db.prepare(
      `UPDATE task_queue SET state = 'ready', lease_owner = NULL, lease_until = NULL, available_at = ?
       WHERE id = ? AND lease_owner = ?`,
    ),
    removeJob: db.prepare(`DELETE FROM task_queue WHERE job = ?`),
    reclaim: db.prepare(
      `UPDATE task_queue SET state = 'ready', lease_owner = NULL, lease_until = NULL WHERE state = 'leased' AND lease_until < ?`,
    ),
    pending: db.prepare(`SELECT state, COUNT(*) AS n FROM task_queue WHERE job = ? GROUP BY state`),
  };
  const toTask = (row: Row): QueuedTask => ({
    id: row.id,
    job: row.job,
    index: (JSON.parse(row.payload) as { index: number }).index,
  });

  return {
    enqueue(tasks) {
      db.exec('BEGIN IMMEDIATE');
      try {
        for (const t of tasks) q.enqueue.run(t.id, t.job, JSON.stringify({ index: t.index }));
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
      return Promise.resolve();
    },
    lease(owner, job, max, leaseMs) {
      if (max <= 0) return Promise.resolve([]);
      const now = clock();
      const rows = q.lease.all(owner, now + leaseMs, job, now, max) as unknown as Row[];
      return Promise.resolve(rows.map(toTask).sort((a, b) => a.index - b.index));
    },
    heartbeat(id, owner, leaseMs) {
      return Promise.resolve(Number(q.heartbeat.run(clock() + leaseMs, id, owner).changes) === 1);
    },
    ack(id, owner) {
      q.ack.run(id, owner);
      return Promise.resolve();
    },
    nack(id, owner, delayMs) {
      q.nack.run(clock() + delayMs, id, owner);
      return Promise.resolve();
    },
    removeJob: (job) => Promise.resolve(Number(q.removeJob.run(job).changes)),
    reclaimExpired: (asOf) => Promise.resolve(Number(q.reclaim.run(asOf).changes)),
    pending(job) {
      const out = { ready: 0, leased: 0 };
      for (const row of q.pending.all(job) as { state: 'ready' | 'leased'; n: number }[])
        out[row.state] = row.n;
      return Promise.resolve(out);
    },
  };
}
