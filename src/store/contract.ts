/**
 * The metadata store contract: the source of truth for workspace resources (and, through the jobs
 * repository, for jobs and mini-batches). Written in domain terms only, so the embedded SQLite store and a
 * later PostgreSQL store can sit behind it; the contract test suite in test/contracts runs against each.
 */

export const RESOURCE_KINDS = [
  'datastore',
  'data',
  'models',
  'environments',
  'codes',
  'endpoint',
  'deployment',
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/**
 * Identifies one stored document. `scope` groups children under a parent (a deployment's endpoint), ''
 * otherwise; `version` is '' for unversioned resources. Names compare case-insensitively, as ARM does.
 */
export interface ResourceKey {
  scope?: string;
  name: string;
  version?: string;
}

export interface ResourceRepository {
  get<T>(kind: ResourceKind, key: ResourceKey): Promise<T | undefined>;
  /** Documents of a kind, oldest first; narrowed to a scope and/or a name (all versions of it). */
  list<T>(kind: ResourceKind, filter?: { scope?: string; name?: string }): Promise<T[]>;
  /** Inserts a new document; returns false (and writes nothing) when the key already exists. */
  insert(kind: ResourceKind, key: ResourceKey, doc: unknown): Promise<boolean>;
  /** Replaces an existing document; returns false when there is none. */
  replace(kind: ResourceKind, key: ResourceKey, doc: unknown): Promise<boolean>;
  remove(kind: ResourceKind, key: ResourceKey): Promise<boolean>;
  /** Removes every document of a kind in a scope (an endpoint's deployments); returns how many. */
  removeScope(kind: ResourceKind, scope: string): Promise<number>;
}

export interface MetadataStore {
  readonly resources: ResourceRepository;
  close(): Promise<void>;
}
