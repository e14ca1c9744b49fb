/**
 * The check a store without folders (Blob, S3) makes before a write, and what it remembers between
 * writes. A write onto a folder, or below a file, is refused as a local folder would refuse it: the
 * service is asked whether the path is a folder (a listing of one key) and whether each folder on the
 * way is a file (one request each). A worker writing a job's parts into one folder asked the same four
 * questions for every part; now a folder this backend asked about and found not to be a file is
 * remembered, and later writes under it skip that question. An entry keeps the time of its check: a
 * write that skipped the question does not stamp it again.
 *
 * Why this is safe enough: the check was already check-then-act, so another writer could always put a
 * file where a folder was between our check and our upload. The memo lengthens that window, for the
 * folders this process saw as folders only, to at most a minute after the check. Within the process
 * the memo stays right: only a write of the folder's own path can turn it into a file, and that write
 * forgets it, so a later write below it asks again and is refused. Whether the written path itself is
 * a folder is never remembered: any file written below it makes it one.
 *
 * Bounded twice: entries expire a minute after their check (an outside change is seen about as soon as
 * a person could look, while a job's burst of parts asks once), and at most a few thousand folders are
 * kept, the least recently used going first, so a server that lives for months writing to ever new
 * folders does not grow without end.
 */
import { ValidationError } from '../core/errors.ts';
import { ancestorsOf } from './object-keys.ts';

/** A minute: see the module's comment. */
const TTL_MS = 60_000;
/** Paths of at most 1024 characters: a few MB when every one is that long, far less in practice. */
const CAPACITY = 4096;

export interface FolderMemo {
  /** Whether `folder` was found not to be a file within the time-to-live. */
  has(folder: string): boolean;
  /** Remembers folders just asked about and found not to be files. */
  remember(folders: readonly string[]): void;
  /** Forgets `path`: a file is being written there, so it may no longer be a folder. */
  forget(path: string): void;
}

export function folderMemo(
  options: { ttlMs?: number; capacity?: number; now?: () => number } = {},
): FolderMemo {
  const { ttlMs = TTL_MS, capacity = CAPACITY, now = () => performance.now() } = options;
  // A Map iterates in insertion order: deleting a key and setting it again moves it to the end, so the
  // first key is the least recently used.
  const checkedAt = new Map<string, number>();
  return {
    has(folder) {
      const at = checkedAt.get(folder);
      if (at === undefined) return false;
      checkedAt.delete(folder);
      if (now() - at > ttlMs) return false;
      checkedAt.set(folder, at);
      return true;
    },
    remember(folders) {
      const at = now();
      for (const folder of folders) {
        checkedAt.delete(folder);
        checkedAt.set(folder, at);
      }
      for (const oldest of checkedAt.keys()) {
        if (checkedAt.size <= capacity) break;
        checkedAt.delete(oldest);
      }
    },
    forget(path) {
      checkedAt.delete(path);
    },
  };
}

/** What the check asks the service. */
export interface PathProbes {
  isFolder(clean: string): Promise<boolean>;
  isFile(clean: string): Promise<boolean>;
}

/**
 * The check before a write to `clean`, asking `probes` what `memo` does not know; refuses a write that
 * would turn a folder into a file or put a file below a file. One per backend, so the memo lives as
 * long as the backend does.
 */
export function writeCheck(probes: PathProbes, memo = folderMemo()): (clean: string) => Promise<void> {
  return async (clean) => {
    if (clean === '') {
      throw new ValidationError(`Give a file path to write, not the datastore's root.`, 'path');
    }
    const unknown = ancestorsOf(clean).filter((folder) => !memo.has(folder));
    const [folder, files] = await Promise.all([
      probes.isFolder(clean),
      Promise.all(unknown.map((a) => probes.isFile(a))),
    ]);
    if (folder) {
      throw new ValidationError(`'${clean}' is a folder; write to a file path inside it.`, 'path');
    }
    if (files.some(Boolean)) {
      throw new ValidationError(`Invalid path '${clean}': a folder on the way is a file.`, 'path');
    }
    memo.remember(unknown);
    memo.forget(clean);
  };
}
