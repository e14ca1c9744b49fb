/**
 * The embedded metadata store: one SQLite file in the data dir, opened once per server.
 */
import type { MetadataStore } from '../contract.ts';
import { openDatabase } from './database.ts';
import { createSqliteResourceRepository } from './resource-repository.ts';
import { createSqliteJobRepository } from './job-repository.ts';
import { createSqliteAuditRepository } from './audit-repository.ts';
import { createSqlitePipelineRunRepository } from './pipeline-run-repository.ts';
import type { DatabaseSync } from 'node:sqlite';

export interface SqliteMetadataStore extends MetadataStore {
  /** The open database, shared with the SQLite task queue so both live in one file. */
  readonly db: DatabaseSync;
}

export function createSqliteStore(file: string): SqliteMetadataStore {
  const db = openDatabase(file);
  return {
    db,
    resources: createSqliteResourceRepository(db),
    jobs: createSqliteJobRepository(db),
    audit: createSqliteAuditRepository(db),
    pipelineRuns: createSqlitePipelineRunRepository(db),
    close() {
      if (db.isOpen) db.close();
      return Promise.resolve();
    },
  };
}
