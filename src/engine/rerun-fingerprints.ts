/**
 * Cheap fingerprints of a job's input files, so a rerun of only what failed can tell that a reused file is
 * unchanged without reading it again (rerun.ts). A fingerprint is what the datastore knows of a file for
 * free, taken when the job is invoked, before any worker reads the file: a change made after that moment
 * changes the fingerprint, so the sha256 the workers report later is always of bytes the fingerprint
 * vouches for or of newer ones (and newer ones make the rerun hash the file again). What each store gives:
 *
 * - a local folder: device, inode, size, modification and status-change times in nanoseconds. The
 *   status-change time (ctime) moves on every write and cannot be set back by a user (utimes sets only
 *   atime and mtime), so a file rewritten in place with its size kept and its mtime put back is caught.
 *   The kernel stamps ctime from a coarse clock (one tick, a few ms), so a file changed within a second
 *   before the listing gets no fingerprint (as git treats "racily clean" files): a second write in the
 *   same tick would leave it alike.
 * - Azure Blob and S3: the listing's strong ETag (Blob changes it on every write; S3's is derived from the
 *   bytes), size and last-modified time. A weak ETag (`W/`, some HTTP servers) vouches for no bytes and
 *   gives no fingerprint.
 *
 * A file without a fingerprint, or whose fingerprint differs now, is hashed again as before; only a sha256
 * that differs refuses the rerun. Fingerprints are kept in the store, one document per job, and read only
 * by a rerun.
 */
import { stat } from 'node:fs/promises';
import type { FileEntry } from '../storage/contract.ts';
import type { DatastoreBackend } from '../storage/contract.ts';
import type { ResourceRepository } from '../store/contract.ts';

/** A file whose status changed this close before the listing gets no fingerprint (see above). */
const RACY_MS = 1000;
/** How many local files are looked at at once. */
const PARALLEL = 32;

interface FingerprintDoc {
  files: Record<string, string>;
}

async function localFingerprint(full: string, listedAt: number): Promise<string | undefined> {
  const s = await stat(full, { bigint: true }).catch(() => undefined);
  if (!s?.isFile()) return undefined;
  if (Number(s.ctimeNs / 1_000_000n) >= listedAt - RACY_MS) return undefined;
  return `local:${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

function remoteFingerprint(file: FileEntry): string | undefined {
  if (!file.etag || file.etag.startsWith('W/')) return undefined;
  return `etag:${file.etag}:${file.size}:${file.lastModified ?? ''}`;
}

/**
 * The fingerprints of `files` as the store shows them now; files with none are left out. A local store
 * is asked for each file's path on this machine; a remote one's facts come with its listing.
 */
export async function fingerprintsOf(
  backend: Pick<DatastoreBackend, 'localPath'>,
  files: readonly FileEntry[],
  listedAt = Date.now(),
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const one = async (file: FileEntry) => {
    const full = await backend.localPath(file.path).catch(() => undefined);
    const print = full === undefined ? remoteFingerprint(file) : await localFingerprint(full, listedAt);
    if (print !== undefined) out.set(file.path, print);
  };
  for (let i = 0; i < files.length; i += PARALLEL) await Promise.all(files.slice(i, i + PARALLEL).map(one));
  return out;
}

export type InputFingerprints = ReturnType<typeof createInputFingerprints>;

export function createInputFingerprints(resources: ResourceRepository) {
  return {
    /**
     * Takes the fingerprints of a new job's input as listed. A job's are taken before anything reads its
     * files: before a rerun's check hashes them, and before any mini-batch is queued.
     */
    take: fingerprintsOf,
    /** Keeps what `take` found for `job`. */
    async save(job: string, prints: ReadonlyMap<string, string>): Promise<void> {
      if (prints.size === 0) return;
      const doc: FingerprintDoc = { files: Object.fromEntries(prints) };
      await resources.insert('jobInputFingerprints', { name: job }, doc);
    },
    /** What was recorded for `job` (empty for a job recorded before fingerprints were kept). */
    async load(job: string): Promise<Map<string, string>> {
      const doc = await resources.get<FingerprintDoc>('jobInputFingerprints', { name: job });
      return new Map(Object.entries(doc?.files ?? {}));
    },
  };
}
