/**
 * Where a job's workers find its input files and put the files they write, whatever kind of datastore
 * holds them. Workers are handed paths on this machine: a local-folder datastore's files are read in
 * place; a remote store's (Blob, S3, ...) come through the server's input cache (storage/cache), which
 * downloads each once, and the files of the next mini-batches are prefetched while the current ones
 * score. Files a scoring script writes itself (summary_only outputs) go to a staging folder under the
 * job's dir when the output store is remote, and are uploaded into the output folder before the
 * manifest is written, each appearing only whole (the contract's `write`).
 */
import { readdir } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathInFolder } from '../core/references.ts';
import { newTally, type DownloadTally, type InputCache } from '../storage/cache/input-cache.ts';
import type { DatastoreBackend } from '../storage/contract.ts';
import { datastoreIdentity } from '../workspace/datastores.ts';
import { parseRangeRef } from '../core/row-ranges.ts';
import { fetchByteRange, removeByteRange } from './split/range-fetch.ts';
import type { SourceLocation } from '../workspace/public-files.ts';

export interface InputAccess {
  /** The file's path on this machine, downloading it into the cache when the store is remote. */
  local(path: string): Promise<string>;
  /** Starts downloading files a coming mini-batch will read (remote stores only; failures dropped). */
  prefetch(paths: readonly string[]): void;
  /** The attempt that asked for these local paths is over: the cache may evict them. */
  release(locals: readonly string[]): void;
  /** Whether the files come from a remote store (and so through the cache). */
  readonly remote: boolean;
  /** What this job downloaded (and found cached); zero for local stores. */
  readonly downloads: DownloadTally;
}

/**
 * Access to the files of the job's input: a datastore, or the one-file source of a public URL, which is
 * cached under the URL (without its query) as its store.
 */
export function inputAccess(input: SourceLocation, cache: InputCache): InputAccess {
  const { backend, datastore } = input;
  const downloads = newTally();
  const url = input.uri.replace(/[?#].*$/s, '');
  const store = datastore ? datastoreIdentity(datastore) : JSON.stringify({ url });
  const fileOf = (path: string) => ({ store, datastore: datastore?.name ?? url, backend, path });
  // Local folders are read in place; every other kind of store is remote.
  const remote = datastore?.datastoreType !== 'LocalFolder';
  const rangesDir = join(cache.dir, 'ranges');
  return {
    remote,
    // An entry naming a range of a file keeps its fragment on the local path, which the readers read.
    async local(entry) {
      const { path, range } = parseRangeRef(entry);
      const suffix = entry.slice(path.length);
      const inPlace = await backend.localPath(path);
      if (inPlace !== undefined) return inPlace + suffix;
      if (range?.kind === 'bytes') {
        // Only the range comes over the network (and the file's head), not the whole file.
        const fetched = await fetchByteRange(backend, path, range, rangesDir);
        downloads.files++;
        downloads.bytes += fetched.bytes;
        return fetched.local + suffix;
      }
      return (await cache.fetch(fileOf(path), downloads)) + suffix;
    },
    prefetch(entries) {
      if (!remote) return;
      for (const entry of entries) {
        const { path, range } = parseRangeRef(entry);
        if (range?.kind !== 'bytes') cache.prefetch(fileOf(path), downloads);
      }
    },
    release(locals) {
      for (const local of locals) {
        const { path } = parseRangeRef(local);
        if (path.startsWith(rangesDir + sep)) void removeByteRange(path).catch(() => undefined);
        else cache.release(path);
      }
    },
    downloads,
  };
}

/** Every file under `dir`, as paths relative to it with '/' separators. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/**
 * Uploads what the workers wrote into `staging` to the output folder. The output file and manifest.json
 * are the engine's own and are never replaced by a file of the same name from the script.
 */
export async function publishStaged(
  staging: string,
  output: { backend: DatastoreBackend; folder: string; reserved: readonly string[] },
): Promise<number> {
  const files = (await filesUnder(staging)).filter((f) => !output.reserved.includes(f));
  for (const file of files) {
    await output.backend.write(pathInFolder(output.folder, file), createReadStream(join(staging, file)));
  }
  return files.length;
}
