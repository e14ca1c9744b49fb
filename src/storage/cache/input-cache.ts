/**
 * The server's cache of input files read from remote datastores (Blob, S3, ...), under `<dataDir>/cache`
 * (0700, as the data dir). Workers read files on this machine, so a file of a remote store is first
 * streamed to a temporary file and renamed into `files/<key>/<its name>` (the name is kept: scoring
 * scripts and the output's file_name column see it). The key is the store's identity, the path and the
 * object's ETag, so a retry, a rerun or a second job over the same data downloads nothing, and a changed
 * object (new ETag) is fetched again. Requests for the same key share one download; downloads are tried
 * again on transient storage errors (retry.ts). Entries in use by a mini-batch are pinned; past
 * `maxBytes` the least recently used unpinned entries are removed. Every download is counted, per job
 * (the tally a caller passes) and for the server.
 *
 * Several servers may share one cache folder: a file appears under its key only whole (rename), so a
 * reader never sees half a download. Each server evicts by its own index, so a shared folder should
 * get a cap that fits every server's working set.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError } from '../../core/errors.ts';
import type { DatastoreBackend, PathInfo } from '../contract.ts';
import { DEFAULT_RETRY, RetriesExhausted, withRetry, type RetryPolicy } from './retry.ts';
import { StorageReadError, storageFailure, TransientStorageError } from './storage-failure.ts';

/** A file of a remote datastore. */
export interface RemoteFile {
  /** What makes two datastores the same place (datastoreIdentity in workspace/datastores.ts). */
  store: string;
  /** The datastore's name, for messages. */
  datastore: string;
  backend: DatastoreBackend;
  path: string;
}

/** Downloads made (files and bytes, retried bytes included) and files served from the cache. */
export interface DownloadTally {
  files: number;
  bytes: number;
  hits: number;
}

export const newTally = (): DownloadTally => ({ files: 0, bytes: 0, hits: 0 });

export interface InputCache {
  readonly dir: string;
  /** The file's path on this machine, downloaded first when not cached; pinned until `release`. */
  fetch(file: RemoteFile, tally?: DownloadTally): Promise<string>;
  /** Downloads in the background (bounded); a failure is dropped, the later `fetch` tries again. */
  prefetch(file: RemoteFile, tally?: DownloadTally): void;
  /** The mini-batch that fetched this path is done with it; it may be evicted. */
  release(local: string): void;
  /** The server's downloads since it started. */
  totals(): DownloadTally;
  /** Resolves once no prefetch is queued or running. */
  idle(): Promise<void>;
}

export interface InputCacheOptions {
  dir: string;
  /** The cache's size cap; least recently used entries go past it. */
  maxBytes: number;
  retry?: RetryPolicy;
  /** Prefetches running at once. */
  prefetchConcurrency?: number;
}

interface Entry {
  local: string;
  size: number;
  lastUsed: number;
  pins: number;
  /** The tally whose download brought it (a job's): that job reading it again is no hit. */
  downloadedBy?: DownloadTally;
}

/** A prefetch asks once: retrying is the mini-batch's business, on its own time. */
const ONCE: RetryPolicy = { tries: 1, baseDelayMs: 0, maxDelayMs: 0 };

/** Temporary files older than this are leftovers of a server that stopped mid-download. */
const STALE_TMP_MS = 60 * 60 * 1000;

function keyOf(file: RemoteFile, info: PathInfo): string {
  // Without an ETag a file is shared only while its size and time say it is the same; a store that
  // knows neither never shares a download.
  const version =
    info.etag ?? (info.lastModified ? `${info.lastModified}/${String(info.size)}` : randomUUID());
  return createHash('sha256')
    .update(JSON.stringify([file.store, file.path, version]))
    .digest('hex')
    .slice(0, 40);
}

function counter(tallies: DownloadTally[]): Transform & { bytes: number } {
  const t = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      t.bytes += chunk.length;
      for (const tally of tallies) tally.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number };
  t.bytes = 0;
  return t;
}

/** The error a read that failed for good becomes: the datastore, the file and the storage code. */
function readError(file: RemoteFile, error: unknown): Error {
  const tries = error instanceof RetriesExhausted ? error.tries : 1;
  const cause = error instanceof RetriesExhausted ? error.cause : error;
  if (cause instanceof NotFoundError) {
    return new NotFoundError(`'${file.path}' does not exist in datastore '${file.datastore}' any more.`);
  }
  return new StorageReadError(file.datastore, file.path, storageFailure(cause), tries);
}

/** Runs background tasks, at most `limit` at once; their failures are dropped. */
function boundedQueue(limit: number) {
  const queue: (() => Promise<void>)[] = [];
  let running = 0;
  let waiters: (() => void)[] = [];
  function pump(): void {
    while (running < limit) {
      const task = queue.shift();
      if (task === undefined) break;
      running++;
      void task()
        .catch(() => undefined)
        .finally(() => {
          running--;
          pump();
        });
    }
    if (running === 0 && queue.length === 0) {
      for (const resolve of waiters) resolve();
      waiters = [];
    }
  }
  return {
    push(task: () => Promise<void>): void {
      queue.push(task);
      pump();
    },
    idle: (): Promise<void> =>
      running === 0 && queue.length === 0
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push(resolve)),
  };
}

export function createInputCache(options: InputCacheOptions): InputCache {
  const { dir } = options;
  const policy = options.retry ?? DEFAULT_RETRY;
  const filesDir = join(dir, 'files');
  const tmpDir = join(dir, 'tmp');
  const entries = new Map<string, Entry>();
  const byLocal = new Map<string, string>();
  // `tally`: whose download it is. A read that joins its own job's prefetch is that download, not a hit.
  const inflight = new Map<string, { local: Promise<string>; prefetch: boolean; tally: DownloadTally }>();
  const totals = newTally();
  let size = 0;
  const ready = init();
  ready.catch(() => undefined);

  async function init(): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    await mkdir(filesDir, { recursive: true, mode: 0o700 });
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const now = Date.now();
    for (const name of await readdir(tmpDir)) {
      const info = await stat(join(tmpDir, name)).catch(() => undefined);
      if (info && now - info.mtimeMs > STALE_TMP_MS) await rm(join(tmpDir, name), { force: true });
    }
    for (const key of await readdir(filesDir)) {
      const [name] = await readdir(join(filesDir, key)).catch(() => []);
      const info =
        name === undefined ? undefined : await stat(join(filesDir, key, name)).catch(() => undefined);
      if (name === undefined || !info) continue;
      remember(key, { local: join(filesDir, key, name), size: info.size, lastUsed: info.mtimeMs, pins: 0 });
    }
  }

  function remember(key: string, entry: Entry): void {
    entries.set(key, entry);
    byLocal.set(entry.local, key);
    size += entry.size;
  }

  async function statRemote(file: RemoteFile, tries: RetryPolicy): Promise<PathInfo> {
    const info = await withRetry(tries, () => file.backend.stat(file.path)).catch((error: unknown) => {
      throw readError(file, error);
    });
    if (info?.kind !== 'file') {
      throw new NotFoundError(`'${file.path}' is not a file in datastore '${file.datastore}' any more.`);
    }
    return info;
  }

  async function download(
    file: RemoteFile,
    key: string,
    info: PathInfo,
    tally: DownloadTally,
    tries: RetryPolicy,
  ) {
    const tmp = join(tmpDir, randomUUID());
    try {
      await withRetry(tries, async () => {
        const count = counter(tally === totals ? [totals] : [tally, totals]);
        await pipeline(file.backend.openRead(file.path), count, createWriteStream(tmp, { mode: 0o600 }));
        if (count.bytes !== info.size) {
          throw new TransientStorageError(
            'IncompleteDownload',
            `got ${String(count.bytes)} of ${String(info.size)} bytes`,
          );
        }
      });
      const local = join(filesDir, key, basename(file.path));
      await mkdir(join(filesDir, key), { recursive: true, mode: 0o700 });
      await rename(tmp, local);
      tally.files++;
      if (tally !== totals) totals.files++;
      remember(key, { local, size: info.size, lastUsed: Date.now(), pins: 0, downloadedBy: tally });
      return local;
    } catch (error) {
      await rm(tmp, { force: true });
      throw readError(file, error);
    }
  }

  /**
   * The entry's path, from the cache or downloaded; not pinned. A caller that joins a prefetch which then
   * fails downloads once more on its own terms: a prefetch tries only once, the mini-batch retries.
   */
  async function obtain(
    file: RemoteFile,
    tally: DownloadTally,
    prefetching = false,
  ): Promise<{ key: string; local: string }> {
    await ready;
    const info = await statRemote(file, prefetching ? ONCE : policy);
    const key = keyOf(file, info);
    const entry = entries.get(key);
    if (entry && (await stat(entry.local).catch(() => undefined))) {
      entry.lastUsed = Date.now();
      // A hit is a read the cache saved a download for: not a prefetch (it reads nothing), and not a job
      // reading what its own prefetch brought.
      if (!prefetching && entry.downloadedBy !== tally) {
        tally.hits++;
        if (tally !== totals) totals.hits++;
      }
      // The file's time carries the LRU order over a restart.
      const now = new Date();
      await utimes(entry.local, now, now).catch(() => undefined);
      return { key, local: entry.local };
    }
    if (entry) forget(key, entry);
    const joined = inflight.get(key);
    if (joined) {
      const local = await joined.local.catch((error: unknown) => {
        if (!joined.prefetch || prefetching) throw error;
        return undefined;
      });
      if (local === undefined) return obtain(file, tally);
      if (!prefetching && !(joined.prefetch && joined.tally === tally)) tally.hits++;
      return { key, local };
    }
    const local = download(file, key, info, tally, prefetching ? ONCE : policy).finally(() =>
      inflight.delete(key),
    );
    inflight.set(key, { local, prefetch: prefetching, tally });
    return { key, local: await local };
  }

  function forget(key: string, entry: Entry): void {
    entries.delete(key);
    byLocal.delete(entry.local);
    size -= entry.size;
  }

  /** Removes least recently used entries, never a pinned or downloading one, until under the cap. */
  async function evict(): Promise<void> {
    if (size <= options.maxBytes) return;
    const candidates = [...entries]
      .filter(([key, e]) => e.pins === 0 && !inflight.has(key))
      .sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [key, entry] of candidates) {
      if (size <= options.maxBytes) return;
      forget(key, entry);
      await rm(join(filesDir, key), { recursive: true, force: true });
    }
  }

  const prefetches = boundedQueue(options.prefetchConcurrency ?? 4);

  return {
    dir,
    async fetch(file, tally = totals) {
      const { key, local } = await obtain(file, tally);
      const entry = entries.get(key);
      if (entry) entry.pins++;
      await evict();
      return local;
    },
    prefetch(file, tally = totals) {
      prefetches.push(async () => {
        await obtain(file, tally, true);
        await evict();
      });
    },
    release(local) {
      const key = byLocal.get(local);
      const entry = key === undefined ? undefined : entries.get(key);
      if (entry && entry.pins > 0) entry.pins--;
    },
    totals: () => ({ ...totals }),
    idle: () => prefetches.idle(),
  };
}
