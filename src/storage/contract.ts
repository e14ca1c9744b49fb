/**
 * The datastore contract: the few operations the workspace and the engine need from a place that holds
 * files (a local folder today; Azure Blob and S3 later). Paths are normalised datastore paths
 * ('/'-separated, no leading slash, no '..'); see core/references.ts.
 */
import type { Readable } from 'node:stream';

/**
 * What a store knows of a file besides its size, when it knows it. `etag` changes whenever the content
 * does, so a cache may key a download by it (one form, quoted as in HTTP, from `stat` and `list` alike); `lastModified` is ISO 8601 and `contentMD5` base64, as Azure
 * and Data Factory's Get Metadata give them.
 */
export interface FileFacts {
  etag?: string;
  lastModified?: string;
  contentMD5?: string;
}

export interface FileEntry extends FileFacts {
  /** Path inside the datastore. */
  path: string;
  size: number;
}

export interface PathInfo extends FileFacts {
  kind: 'file' | 'folder';
  size: number;
}

/** Bytes [start, end) of a file. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * A file being written piece by piece, which appears under its name only at `commit` (readers see the old
 * file or none until then) and leaves nothing behind at `discard`.
 */
export interface FileWriter {
  /** Appends `data`; the caller may reuse the buffer once the promise settles. */
  write(data: Uint8Array): Promise<void>;
  commit(): Promise<{ size: number }>;
  discard(): Promise<void>;
}

/**
 * The most bytes a remote store sends in one request when `write` is given them as a Buffer or string
 * (a stream goes in pieces, one request each and one to commit them). A caller that holds a file this
 * small may read it and pass it whole: a job's parts go up so, one request each on Blob.
 */
export const SMALL_WRITE_BYTES = 4 * 1024 * 1024;

export interface DatastoreBackend {
  stat(path: string): Promise<PathInfo | undefined>;
  /** Files under a folder (only its top level unless `recursive`), sorted by path. */
  list(folder: string, options?: { recursive?: boolean }): Promise<FileEntry[]>;
  /**
   * Streams a file, or with `range` only its bytes [start, end) (clipped to the file's size), so a
   * worker scoring part of a big file fetches that part only. A missing file is a NotFoundError (404)
   * and a folder a ValidationError (400), thrown by the call or emitted by the stream before any data
   * (a remote store may only know once it asks).
   */
  openRead(path: string, range?: ByteRange): Readable;
  /**
   * Writes a file from a stream, a string or a buffer, creating parent folders; readers never see a
   * half-written file. See SMALL_WRITE_BYTES for the cheap form of a small file.
   */
  write(path: string, data: Readable | string | Buffer): Promise<{ size: number }>;
  /**
   * Only stores on this machine: opens a file to write in pieces from buffers the caller reuses, which
   * spares the engine a fresh buffer per chunk when it joins a job's parts into one output (a stream's
   * chunks must each be new memory, and faulting in and collecting them costs more than the copy).
   */
  openWriter?(path: string): Promise<FileWriter>;
  /** Removes a file or, with `recursive`, a folder. */
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  /**
   * The file's path on this machine when the datastore is a local folder, so workers read it in place;
   * undefined for remote stores (the engine then downloads to a cache first). Asynchronous: the engine
   * asks for every input file of every mini-batch, and a local store follows links to check each one.
   */
  localPath(path: string): Promise<string | undefined>;
}
