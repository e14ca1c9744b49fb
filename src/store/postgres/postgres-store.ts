/**
 * The scale-out metadata store: one PostgreSQL database (or one schema in it) shared by every server.
 * Opening it migrates the schema, safely when several servers start at once; closing it ends the pool.
 */
import type { MetadataStore } from '../contract.ts';
import { openDatabase, type PostgresOptions } from './database.ts';
import { createPostgresResourceRepository } from './resource-repository.ts';
import { createPostgresJobRepository } from './job-repository.ts';
import { createPostgresAuditRepository } from './audit-repository.ts';
import { createPostgresPipelineRunRepository } from './pipeline-run-repository.ts';

export async function createPostgresStore(options: PostgresOptions): Promise<MetadataStore> {
  const db = await openDatabase(options);
  return {
    resources: createPostgresResourceRepository(db),
    jobs: createPostgresJobRepository(db),
    audit: createPostgresAuditRepository(db),
    pipelineRuns: createPostgresPipelineRunRepository(db),
    close: () => db.close(),
  };
}
