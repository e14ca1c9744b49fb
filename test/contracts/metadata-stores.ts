/**
 * Every MetadataStore implementation the contract suites run against (metadata-store*.test.ts). A new
 * store (PostgreSQL) is one more entry: `open` makes a store whose data lives in (or is named after) the
 * given folder, so opening the same folder again finds the same data, as a restarted server does.
 */
import { join } from 'node:path';
import type { MetadataStore } from '../../src/store/contract.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Implementation } from './implementations.ts';

export const metadataStores: readonly Implementation<MetadataStore>[] = [
  { name: 'sqlite', open: (dir) => createSqliteStore(join(dir, 'meta.db')) },
];
