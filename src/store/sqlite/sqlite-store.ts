/**
 * The embedded metadata store: one SQLite file in the data dir, opened once per server.
 */
import type { MetadataStore } from '../contract.ts';
import { openDatabase } from './database.ts';
import { createSqliteResourceRepository } from './resource-repository.ts';

export function createSqliteStore(file: string): MetadataStore {
  const db = openDatabase(file);
  return {
    resources: createSqliteResourceRepository(db),
    close() {
      if (db.isOpen) db.close();
      return Promise.resolve();
    },
  };
}
