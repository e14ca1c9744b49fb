/**
 * The factory's linked services and datasets as a service of the server: checked, stored (linked
 * services' secrets sealed), read back masked, listed and deleted, as Data Factory's REST API does them.
 * The activities that move data ask it for a linked service with its secrets opened and for a dataset;
 * nothing else ever sees an opened secret.
 */
import type { SecretBox } from '../../auth/secrets/secret-box.ts';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import type { ResourceRepository } from '../../store/contract.ts';
import { readDataset, type DatasetProperties } from './datasets.ts';
import {
  maskLinkedService,
  openLinkedService,
  readLinkedService,
  sealLinkedService,
  type LinkedServiceProperties,
} from './linked-services.ts';
import { assertConnectable, checkLinkedServiceAddresses } from './stores.ts';

export interface StoredFactoryResource<P> {
  name: string;
  properties: P;
  etag: string;
  createdAt: string;
  lastModifiedAt: string;
}

export type StoredLinkedService = StoredFactoryResource<LinkedServiceProperties>;
export type StoredDataset = StoredFactoryResource<DatasetProperties>;

export interface FactoryDataDeps {
  repo: ResourceRepository;
  secrets: SecretBox;
  checkExpressions: (value: unknown) => { path: string; message: string }[];
  /** This server's own host:port forms, which linked services may not point at. */
  ownHosts: () => readonly string[];
}

export type FactoryDataService = ReturnType<typeof createFactoryDataService>;

const LS = 'linkedService';
const DS = 'dataset';

export function createFactoryDataService(deps: FactoryDataDeps) {
  async function save<P>(
    kind: typeof LS | typeof DS,
    name: string,
    properties: P,
    previous: StoredFactoryResource<P> | undefined,
  ): Promise<StoredFactoryResource<P>> {
    const now = new Date().toISOString();
    const doc: StoredFactoryResource<P> = {
      name: previous?.name ?? name,
      properties,
      etag: crypto.randomUUID(),
      createdAt: previous?.createdAt ?? now,
      lastModifiedAt: now,
    };
    const saved = previous
      ? await deps.repo.replace(kind, { name }, doc)
      : await deps.repo.insert(kind, { name }, doc);
    if (!saved) throw new ConflictError(`'${name}' changed while it was being saved; try again.`);
    return doc;
  }

  async function storedLinkedService(name: string): Promise<StoredLinkedService> {
    const found = await deps.repo.get<StoredLinkedService>(LS, { name });
    if (!found) {
      throw new NotFoundError(
        `Linked service '${name}' does not exist; create it with nightshift pipeline linked-service create -f FILE.`,
      );
    }
    return found;
  }

  async function storedDataset(name: string): Promise<StoredDataset> {
    const found = await deps.repo.get<StoredDataset>(DS, { name });
    if (!found) {
      throw new NotFoundError(
        `Dataset '${name}' does not exist; create it with nightshift pipeline dataset create -f FILE.`,
      );
    }
    return found;
  }

  const masked = (s: StoredLinkedService): StoredLinkedService => ({
    ...s,
    properties: maskLinkedService(s.properties),
  });

  return {
    async putLinkedService(name: string, body: unknown): Promise<StoredLinkedService> {
      const properties = readLinkedService(body);
      checkLinkedServiceAddresses(properties, deps.ownHosts());
      assertConnectable(properties);
      const previous = await deps.repo.get<StoredLinkedService>(LS, { name });
      const sealed = sealLinkedService(properties, deps.secrets, previous?.properties);
      return masked(await save(LS, name, sealed, previous));
    },
    getLinkedService: async (name: string) => masked(await storedLinkedService(name)),
    listLinkedServices: async () => (await deps.repo.list<StoredLinkedService>(LS)).map(masked),
    async deleteLinkedService(name: string): Promise<void> {
      await storedLinkedService(name);
      const users = (await deps.repo.list<StoredDataset>(DS)).filter(
        (d) => d.properties.linkedServiceName.referenceName.toLowerCase() === name.toLowerCase(),
      );
      if (users.length > 0) {
        throw new ConflictError(
          `Linked service '${name}' is referenced by dataset(s) ${users.map((d) => `'${d.name}'`).join(', ')}; delete or change them first.`,
        );
      }
      await deps.repo.remove(LS, { name });
    },
    /** The linked service with its secrets opened: for the data-moving activities only. */
    async openedLinkedService(name: string): Promise<LinkedServiceProperties> {
      return openLinkedService((await storedLinkedService(name)).properties, deps.secrets);
    },

    async putDataset(name: string, body: unknown): Promise<StoredDataset> {
      const properties = await readDataset(
        body,
        async (ls) => (await deps.repo.get<StoredLinkedService>(LS, { name: ls }))?.properties.type,
        deps.checkExpressions,
      );
      const previous = await deps.repo.get<StoredDataset>(DS, { name });
      return save(DS, name, properties, previous);
    },
    getDataset: storedDataset,
    listDatasets: () => deps.repo.list<StoredDataset>(DS),
    async deleteDataset(name: string): Promise<void> {
      await storedDataset(name);
      await deps.repo.remove(DS, { name });
    },
  };
}
