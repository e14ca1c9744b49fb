/**
 * The datastore backends the contract suite runs against, and the helpers its files share
 * (datastore-backend.test.ts: what every store does; datastore-backend-links.test.ts: containment through
 * symbolic links). A new store adds one entry to `implementations`; a store without symbolic links leaves
 * `links` out and its containment tests are skipped with that reason. A remote store counts its HTTP
 * requests (`requests`), so the suite can bound what a write costs.
 */
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import type { DatastoreBackend, FileFacts } from '../../src/storage/contract.ts';
import { createLocalFolderDatastore } from '../../src/storage/local/local-folder.ts';
import { containerClientOf } from '../../src/storage/azure-blob/connection.ts';
import { blobDatastoreOver } from '../../src/storage/azure-blob/azure-blob.ts';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { s3ClientOf, s3DatastoreOver, type S3Connection } from '../../src/storage/s3/s3.ts';
import { DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from '../helpers/azurite.ts';
import { S3RVER_KEY_ID, S3RVER_REGION, S3RVER_SECRET, startS3rver, type S3rver } from '../helpers/s3rver.ts';
import type { Implementation } from './implementations.ts';

/** What a store with symbolic links lets the suite do behind the backend's back. */
export interface Links {
  /** A folder outside the store, holding `secret.txt`. */
  outside: string;
  /** Makes a symbolic link at `path` in the store pointing at `target` (absolute, or relative to the link). */
  link(path: string, target: string): void;
  /** Where a store path is on disk, to point links inside the store. */
  where(path: string): string;
}

export interface Harness {
  backend: DatastoreBackend;
  /** Whether `localPath` gives a path on this machine (a local folder) or undefined (remote stores). */
  local: boolean;
  links?: Links;
  /** Remote stores: how many HTTP requests the backend has sent so far (see `requestCount`). */
  requests?: () => number;
  close(): Promise<void>;
}

/**
 * A count of the HTTP requests this process sends under `path` (a container's or a bucket's, so other
 * tests' requests are not counted), read from Node's own diagnostics channel: nothing in the client or
 * the emulator changes to be counted. `stop` ends the count.
 */
function requestCount(path: string): { count: () => number; stop: () => void } {
  let count = 0;
  const onStart = (message: unknown) => {
    const at = (message as { request: ClientRequest }).request.path;
    if (at === path || at.startsWith(`${path}/`) || at.startsWith(`${path}?`)) count++;
  };
  subscribe('http.client.request.start', onStart);
  return { count: () => count, stop: () => unsubscribe('http.client.request.start', onStart) };
}

export const implementations: Implementation<Harness>[] = [
  {
    name: 'local folder',
    open(dir) {
      const root = join(dir, 'store');
      const outside = join(dir, 'outside');
      mkdirSync(root);
      mkdirSync(outside);
      writeFileSync(join(outside, 'secret.txt'), 'secret');
      const where = (path: string) => join(root, path);
      return {
        backend: createLocalFolderDatastore(root),
        local: true,
        links: {
          outside,
          where,
          link(path, target) {
            mkdirSync(join(where(path), '..'), { recursive: true });
            symlinkSync(target, where(path));
          },
        },
        close: () => Promise.resolve(),
      };
    },
  },
  {
    // One emulator for the file (started on first use, stopped after), a fresh container for each test.
    name: 'Azure Blob (Azurite)',
    async open() {
      azurite ??= startAzurite();
      const { accountUrl } = await azurite;
      const containerName = `c${randomUUID().replaceAll('-', '')}`;
      const container = containerClientOf({
        accountName: DEV_ACCOUNT,
        containerName,
        endpoint: accountUrl,
        credential: { accountKey: DEV_KEY },
      });
      await container.create();
      const requests = requestCount(`/${DEV_ACCOUNT}/${containerName}`);
      return {
        backend: blobDatastoreOver(container),
        local: false,
        requests: requests.count,
        close: async () => {
          requests.stop();
          await container.delete();
        },
      };
    },
  },
  {
    // One server for the file (started on first use, stopped after), a fresh bucket for each test; the
    // server's folder goes with it, buckets and all.
    name: 'S3 (s3rver)',
    async open() {
      s3rver ??= startS3rver();
      const { endpoint } = await s3rver;
      const connection: S3Connection = {
        bucket: `b${randomUUID().replaceAll('-', '')}`,
        region: S3RVER_REGION,
        endpoint,
        credentials: { accessKeyId: S3RVER_KEY_ID, secretAccessKey: S3RVER_SECRET },
      };
      const admin = s3ClientOf(connection);
      await admin.send(new CreateBucketCommand({ Bucket: connection.bucket }));
      admin.destroy();
      const requests = requestCount(`/${connection.bucket}`);
      return {
        backend: s3DatastoreOver(connection),
        local: false,
        requests: requests.count,
        close: () => {
          requests.stop();
          return Promise.resolve();
        },
      };
    },
  },
];

let azurite: Promise<Azurite> | undefined;
let s3rver: Promise<S3rver> | undefined;

/** Stops the emulators the implementations started (each test file calls it in its `after`). */
export async function stopEmulators(): Promise<void> {
  await (await azurite)?.stop();
  await (await s3rver)?.stop();
  azurite = undefined;
  s3rver = undefined;
}

/**
 * The backend with the optional file facts (ETag, time, MD5) left out of `stat` and `list`, so the shape
 * tests compare what every store must give; the facts have their own tests below.
 */
export function withoutFacts(backend: DatastoreBackend): DatastoreBackend {
  const bare = <T extends object>(value: T): T => {
    const rest: Partial<T & FileFacts> = { ...value };
    delete rest.etag;
    delete rest.lastModified;
    delete rest.contentMD5;
    return rest as T;
  };
  return {
    ...backend,
    stat: async (path) => {
      const info = await backend.stat(path);
      return info && bare(info);
    },
    list: async (folder, options) => (await backend.list(folder, options)).map(bare),
  };
}

export const read = (backend: DatastoreBackend, path: string) => text(backend.openRead(path));

/** The error of reading a file, whether the call throws it or the stream emits it; undefined if none. */
export async function readFailure(open: () => Readable): Promise<unknown> {
  try {
    await buffer(open());
    return undefined;
  } catch (error) {
    return error;
  }
}

/** A 400 whose message matches: what every refusal of a path must be. */
export const refused = (pattern: RegExp) => (error: unknown) => {
  assert.equal((error as { status?: number }).status, 400, String(error));
  assert.match((error as Error).message, pattern);
  return true;
};
