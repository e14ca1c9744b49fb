/**
 * The scale-out metadata store: one PostgreSQL database (or one schema in it) shared by every server.
 * Opening it migrates the schema, safely when several servers start at once; closing it ends the pool.
 */
import type { MetadataStore } from '../contract.ts';
import { openPool, type PostgresOptions } from './database.ts';
import { createPostgresResourceRepository } from './resource-repository.ts';
import { createPostgresJobRepository } from './job-repository.ts';
import { createPostgresAuditRepository } from './audit-repository.ts';
import { createPostgresPipelineRunRepository } from './pipeline-run-repository.ts';

export async function createPostgresStore(options: PostgresOptions): Promise<MetadataStore> {
  const pool = await openPool(options);
  let closed = false;
  return {
    resources: createPostgresResourceRepository(pool),
    jobs: createPostgresJobRepository(pool),
    audit: createPostgresAuditRepository(pool),
    pipelineRuns: createPostgresPipelineRunRepository(pool),
    async close() {
      // pg refuses to end a pool twice; a second close, like SQLite's, does nothing.
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
