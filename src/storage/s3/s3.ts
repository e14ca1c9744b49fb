/**
 * A datastore over one S3 bucket, on AWS or on an S3-compatible server (MinIO, s3rver, Ceph...). S3 has no
 * folders: as with Blob, a "folder" is a key prefix ending in '/', which exists while some object has it.
 * Listings go page by page through ListObjectsV2 (with a '/' delimiter for the top level, flat when
 * recursive). Writes go through lib-storage's Upload: a small file is one PutObject sent once the source
 * has ended, a large one a multipart upload completed at the end (aborted on failure), so a reader sees the
 * old object or the whole new one and a failed write leaves none. A write onto a folder or below a file is
 * refused first (write-check.ts, which remembers the folders it found). Nothing is on this machine, so
 * `localPath` is undefined and the engine downloads instead.
 */
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { normaliseDatastorePath } from '../../core/references.ts';
import { byPath, byteCounter, prefixOf, writeSource } from '../object-keys.ts';
import { writeCheck } from '../write-check.ts';
import { isRangeNotSatisfiable, sliceBytes } from '../byte-slice.ts';
import type { ByteRange, DatastoreBackend, FileEntry, FileFacts, PathInfo } from '../contract.ts';

export interface S3Connection {
  bucket: string;
  region: string;
  /** A full URL of an S3-compatible server (addressed path-style); absent for AWS's regional endpoint. */
  endpoint?: string;
  /** Absent: the AWS SDK's default chain (environment, shared files, container or instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const PAGE_SIZE = 1000;
/** S3's smallest part; a file under it (every write of SMALL_WRITE_BYTES or less) is one PutObject. */
const UPLOAD_PART_BYTES = 5 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 4;
/** DeleteObjects takes at most 1000 keys a call. */
const DELETE_BATCH = 1000;

/**
 * A client of the connection's server. No request is made here. `maxAttempts` bounds the SDK's retries (3
 * by default, with backoff): a probe at creation asks once, so an unreachable endpoint is refused at once.
 */
export function s3ClientOf(c: S3Connection, options: { maxAttempts?: number } = {}): S3Client {
  const config: S3ClientConfig = {
    region: c.region,
    ...(c.credentials ? { credentials: c.credentials } : {}),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  };
  if (c.endpoint) {
    config.endpoint = c.endpoint.replace(/\/+$/, '');
    config.forcePathStyle = true;
    // The SDK's default checksums stream uploads as aws-chunked bodies with trailing checksums, which
    // S3-compatible servers often do not understand; send them only where the API requires them.
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  return new S3Client(config);
}

/**
 * The storage service's own error code of a failed request ('NoSuchBucket', 'InvalidAccessKeyId', ...),
 * or the network's ('ECONNREFUSED') when no answer came.
 */
export function s3ErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { Code?: unknown; name?: unknown; code?: unknown };
  if (typeof e.Code === 'string') return e.Code;
  if (typeof e.code === 'string') return e.code;
  return typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined;
}

/** The HTTP status of a failed request, when the server answered. */
export function s3HttpStatus(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Lists one object of the bucket, asking once; throws the SDK's error when that fails. */
export async function probeS3Bucket(c: S3Connection, signal?: AbortSignal): Promise<void> {
  const client = s3ClientOf(c, { maxAttempts: 1 });
  try {
    await client.send(new ListObjectsV2Command({ Bucket: c.bucket, MaxKeys: 1 }), { abortSignal: signal });
  } finally {
    client.destroy();
  }
}

/** The ETag, time and MD5 S3 keeps for an object, in the contract's forms. */
function factsOf(o: { ETag?: string; LastModified?: Date }): FileFacts {
  const etag = o.ETag && (o.ETag.startsWith('"') ? o.ETag : `"${o.ETag}"`);
  // A single-part object's ETag is the hex MD5 of its bytes; a multipart one's has a '-N' suffix and is not.
  const md5 = etag && /^"[0-9a-f]{32}"$/i.test(etag) ? Buffer.from(etag.slice(1, -1), 'hex') : undefined;
  return {
    ...(etag ? { etag } : {}),
    ...(o.LastModified ? { lastModified: o.LastModified.toISOString() } : {}),
    ...(md5 ? { contentMD5: md5.toString('base64') } : {}),
  };
}

const isNotFound = (error: unknown) => s3HttpStatus(error) === 404;

/** The backend over one bucket; the client lives as long as the backend. */
export function s3DatastoreOver(connection: S3Connection): DatastoreBackend {
  const client = s3ClientOf(connection);
  const Bucket = connection.bucket;

  async function head(key: string): Promise<PathInfo | undefined> {
    try {
      const o = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
      return { kind: 'file', size: o.ContentLength ?? 0, ...factsOf(o) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async function isFolder(clean: string): Promise<boolean> {
    const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefixOf(clean), MaxKeys: 1 }));
    return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
  }

  async function* objects(clean: string, recursive: boolean): AsyncGenerator<_Object> {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket,
          Prefix: prefixOf(clean),
          MaxKeys: PAGE_SIZE,
          ...(recursive ? {} : { Delimiter: '/' }),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      yield* page.Contents ?? [];
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async function listEntries(clean: string, recursive: boolean): Promise<FileEntry[]> {
    const out: FileEntry[] = [];
    for await (const o of objects(clean, recursive)) {
      // A key ending in '/' is a folder marker some tools make, not a file.
      if (o.Key === undefined || o.Key.endsWith('/')) continue;
      out.push({ path: o.Key, size: o.Size ?? 0, ...factsOf(o) });
    }
    return out.sort(byPath);
  }

  const checkWritable = writeCheck({ isFolder, isFile: async (key) => (await head(key)) !== undefined });

  /** The error a failed download becomes: 404 for a missing object, 400 when the path is a folder. */
  async function readFailure(clean: string, error: unknown): Promise<Error> {
    if (!isNotFound(error)) return error as Error;
    if (clean === '' || (await isFolder(clean))) {
      return new ValidationError(`'${clean}' is not a file; give the path of a file to read.`, 'path');
    }
    return new NotFoundError(`'${clean}' does not exist in the datastore.`);
  }

  async function download(clean: string, out: PassThrough, range?: ByteRange): Promise<void> {
    try {
      if (clean === '') {
        out.destroy(new ValidationError(`'' is not a file; give the path of a file to read.`, 'path'));
        return;
      }
      // An empty range is still asked for (one byte), so a missing object fails alike; nothing is passed on.
      const last = range && Math.max(range.end - 1, range.start);
      const Range = range && `bytes=${range.start}-${last}`;
      const response = await client.send(new GetObjectCommand({ Bucket, Key: clean, Range }));
      if (!(response.Body instanceof Readable)) {
        throw new Error(`The storage service sent no readable body for '${clean}'.`);
      }
      // Cut to the range's length: an empty range asked for one byte.
      if (range) await pipeline(response.Body, sliceBytes(0, range.end - range.start), out);
      else await pipeline(response.Body, out);
    } catch (error) {
      if (range && isRangeNotSatisfiable(error)) return void out.end();
      out.destroy(await readFailure(clean, error).catch((e: unknown) => e as Error));
    }
  }

  async function removeFolder(clean: string): Promise<void> {
    const keys: string[] = [];
    for await (const o of objects(clean, true)) if (o.Key !== undefined) keys.push(o.Key);
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH).map((Key) => ({ Key }));
      const result = await client.send(
        new DeleteObjectsCommand({ Bucket, Delete: { Objects: batch, Quiet: true } }),
      );
      const failed = result.Errors?.[0];
      if (failed) {
        throw new Error(`Removing '${failed.Key ?? ''}' failed with ${failed.Code ?? 'an unknown error'}.`);
      }
    }
  }

  return {
    async stat(path: string): Promise<PathInfo | undefined> {
      const clean = normaliseDatastorePath(path);
      if (clean === '') return { kind: 'folder', size: 0 };
      const file = await head(clean);
      if (file) return file;
      return (await isFolder(clean)) ? { kind: 'folder', size: 0 } : undefined;
    },
    async list(folder: string, options = {}): Promise<FileEntry[]> {
      return listEntries(normaliseDatastorePath(folder), options.recursive ?? false);
    },
    openRead(path: string, range?: ByteRange) {
      // Normalised here so a bad path fails the call itself; the service's answer comes through the stream,
      // as an error before any data when the object is missing.
      const clean = normaliseDatastorePath(path);
      const out = new PassThrough();
      void download(clean, out, range);
      return out;
    },
    async write(path: string, data: Readable | string | Buffer) {
      const source = writeSource(data);
      const clean = normaliseDatastorePath(path);
      await checkWritable(clean);
      const counter = byteCounter();
      const upload = new Upload({
        client,
        params: { Bucket, Key: clean, Body: counter },
        partSize: UPLOAD_PART_BYTES,
        queueSize: UPLOAD_CONCURRENCY,
        leavePartsOnError: false,
      });
      await Promise.all([pipeline(source, counter), upload.done()]);
      return { size: counter.bytes };
    },
    async remove(path: string, options = {}) {
      const clean = normaliseDatastorePath(path);
      if (clean === '') {
        throw new ValidationError(`Give a path to remove; a datastore's root cannot be removed.`, 'path');
      }
      await client.send(new DeleteObjectCommand({ Bucket, Key: clean }));
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
