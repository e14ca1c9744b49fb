/**
 * A datastore over one Azure Blob Storage container (or Azurite). Blob Storage has no folders: a "folder"
 * is a name prefix ending in '/', which exists while some blob has it. Listings go page by page through
 * the service's own listing (by hierarchy for the top level, flat when recursive). Writes are block
 * uploads committed in one call at the end, or one Put Blob for a small buffer, so a reader sees the old
 * blob or the whole new one and a write that fails leaves no blob; a write onto a folder or below a file
 * is refused first, as a local folder would (write-check.ts, which remembers the folders it found).
 * Nothing is on this machine, so `localPath` is undefined and the engine downloads instead.
 */
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ContainerClient } from '@azure/storage-blob';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { normaliseDatastorePath } from '../../core/references.ts';
import { byPath, byteCounter, prefixOf, writeSource } from '../object-keys.ts';
import { writeCheck } from '../write-check.ts';
import { isRangeNotSatisfiable, sliceBytes } from '../byte-slice.ts';
import {
  SMALL_WRITE_BYTES,
  type ByteRange,
  type DatastoreBackend,
  type FileEntry,
  type FileFacts,
  type PathInfo,
} from '../contract.ts';
import { isStorageNotFound } from './connection.ts';

const PAGE_SIZE = 1000;
const UPLOAD_BLOCK_BYTES = 4 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 4;
const REMOVE_CONCURRENCY = 8;

/** The ETag, time and MD5 the service keeps for a blob, in the contract's forms. */
function factsOf(props: { etag?: string; lastModified?: Date; contentMD5?: Uint8Array }): FileFacts {
  return {
    // Quoted as HTTP gives it: the service's listings leave the quotes off, its properties keep them.
    ...(props.etag ? { etag: props.etag.startsWith('"') ? props.etag : `"${props.etag}"` } : {}),
    ...(props.lastModified ? { lastModified: props.lastModified.toISOString() } : {}),
    ...(props.contentMD5 ? { contentMD5: Buffer.from(props.contentMD5).toString('base64') } : {}),
  };
}

/** The backend over a container client (see connection.ts for making one from a datastore's settings). */
export function blobDatastoreOver(container: ContainerClient): DatastoreBackend {
  async function isFile(name: string): Promise<boolean> {
    if (name === '') return false;
    return container.getBlobClient(name).exists();
  }

  async function isFolder(clean: string): Promise<boolean> {
    const pages = container.listBlobsFlat({ prefix: prefixOf(clean) }).byPage({ maxPageSize: 1 });
    const first = await pages.next();
    return first.done !== true && first.value.segment.blobItems.length > 0;
  }

  async function listEntries(clean: string, recursive: boolean): Promise<FileEntry[]> {
    const prefix = prefixOf(clean);
    const out: FileEntry[] = [];
    const pages = recursive
      ? container.listBlobsFlat({ prefix }).byPage({ maxPageSize: PAGE_SIZE })
      : container.listBlobsByHierarchy('/', { prefix }).byPage({ maxPageSize: PAGE_SIZE });
    for await (const page of pages) {
      for (const item of page.segment.blobItems) {
        out.push({ path: item.name, size: item.properties.contentLength ?? 0, ...factsOf(item.properties) });
      }
    }
    return out.sort(byPath);
  }

  const checkWritable = writeCheck({ isFolder, isFile });

  /**
   * A Buffer or string of at most SMALL_WRITE_BYTES goes in one Put Blob; a stream (or more bytes) as
   * blocks committed in one call at the end. Either way a reader sees the old blob or the whole new one.
   */
  async function upload(clean: string, data: Readable | string | Buffer): Promise<{ size: number }> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const blob = container.getBlockBlobClient(clean);
    if (Buffer.isBuffer(bytes) && bytes.length <= SMALL_WRITE_BYTES) {
      await blob.upload(bytes, bytes.length);
      return { size: bytes.length };
    }
    const counter = byteCounter();
    // uploadStream stages blocks and commits the list only once the source has ended without error.
    await Promise.all([
      pipeline(Buffer.isBuffer(bytes) ? Readable.from([bytes]) : bytes, counter),
      blob.uploadStream(counter, UPLOAD_BLOCK_BYTES, UPLOAD_CONCURRENCY),
    ]);
    return { size: counter.bytes };
  }

  /** The error a failed download becomes: 404 for a missing blob, 400 when the path is a folder. */
  async function readFailure(clean: string, error: unknown): Promise<Error> {
    if (!isStorageNotFound(error)) return error as Error;
    if (clean === '' || (await isFolder(clean))) {
      return new ValidationError(`'${clean}' is not a file; give the path of a file to read.`, 'path');
    }
    return new NotFoundError(`'${clean}' does not exist in the datastore.`);
  }

  async function download(clean: string, out: PassThrough, range?: ByteRange): Promise<void> {
    try {
      // An empty range is still asked for (one byte), so a missing blob fails alike; nothing is passed on.
      const count = range && Math.max(range.end - range.start, 1);
      const response = await container.getBlobClient(clean).download(range?.start ?? 0, count);
      const body = response.readableStreamBody;
      if (body === undefined) throw new Error(`The storage service sent no body for '${clean}'.`);
      // Cut to the range's length: an empty range asked for one byte.
      if (range) await pipeline(body, sliceBytes(0, range.end - range.start), out);
      else await pipeline(body, out);
    } catch (error) {
      if (range && isRangeNotSatisfiable(error)) return void out.end();
      out.destroy(await readFailure(clean, error));
    }
  }

  async function removeFolder(clean: string): Promise<void> {
    const names = (await listEntries(clean, true)).map((f) => f.path);
    for (let i = 0; i < names.length; i += REMOVE_CONCURRENCY) {
      const batch = names.slice(i, i + REMOVE_CONCURRENCY);
      await Promise.all(batch.map((name) => container.getBlobClient(name).deleteIfExists()));
    }
  }

  return {
    async stat(path: string): Promise<PathInfo | undefined> {
      const clean = normaliseDatastorePath(path);
      if (clean === '') return { kind: 'folder', size: 0 };
      try {
        const props = await container.getBlobClient(clean).getProperties();
        return { kind: 'file', size: props.contentLength ?? 0, ...factsOf(props) };
      } catch (error) {
        if (!isStorageNotFound(error)) throw error;
      }
      return (await isFolder(clean)) ? { kind: 'folder', size: 0 } : undefined;
    },
    async list(folder: string, options = {}): Promise<FileEntry[]> {
      return listEntries(normaliseDatastorePath(folder), options.recursive ?? false);
    },
    openRead(path: string, range?: ByteRange) {
      // Normalised here so a bad path fails the call itself; the service's answer comes through the stream,
      // as an error before any data when the blob is missing.
      const clean = normaliseDatastorePath(path);
      const out = new PassThrough();
      void download(clean, out, range);
      return out;
    },
    async write(path: string, data: Readable | string | Buffer) {
      // A stream is listened to before the checks' requests, so an early error of it is not unheard.
      const source = typeof data === 'string' || Buffer.isBuffer(data) ? data : writeSource(data);
      const clean = normaliseDatastorePath(path);
      await checkWritable(clean);
      return upload(clean, source);
    },
    async remove(path: string, options = {}) {
      const clean = normaliseDatastorePath(path);
      if (clean === '') {
        throw new ValidationError(`Give a path to remove; a datastore's root cannot be removed.`, 'path');
      }
      await container.getBlobClient(clean).deleteIfExists();
      if (options.recursive === true) await removeFolder(clean);
      else if (await isFolder(clean)) {
        throw new ValidationError(`'${clean}' is a folder; remove it with recursive.`, 'recursive');
      }
    },
    async localPath(path: string) {
      // Still checked, so a bad path is refused alike on every kind of store.
      normaliseDatastorePath(path);
      return Promise.resolve(undefined);
    },
  };
}
