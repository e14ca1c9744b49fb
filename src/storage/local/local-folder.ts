/**
 * A datastore over a local folder. Every operation first finds where its path really lands, symbolic
 * links followed (contained-path.ts), refuses anything outside the folder with a 400, and then touches only
 * that resolved path; listings do not follow links that lead out of the folder. Writes go to a temporary
 * file beside the target and are renamed into place, so a reader sees either the old file or the whole new
 * one. Files are opened without following a final link, so a link swapped in after the check is refused.
 */
import {
  closeSync,
  constants,
  createReadStream,
  fstatSync,
  openSync,
  realpathSync,
  type Dirent,
  type Stats,
} from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { normaliseDatastorePath } from '../../core/references.ts';
import type { DatastoreBackend, FileEntry, PathInfo } from '../contract.ts';
import { inputFailure, isInside, landingOf, landingSync, outsideError } from './contained-path.ts';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;
// O_NONBLOCK: opening a FIFO planted in the folder must not block a thread until a writer appears.
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const TEMP_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
/** Temporary files carry this in their name; listings skip them. */
const TEMP_MARK = '.tmp-';

interface Target {
  /** The normalised datastore path, for messages. */
  clean: string;
  /** The real location on disk, inside the root. */
  full: string;
}

const missing = (error: unknown) =>
  ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');

function openFile(t: Target): number {
  let fd: number;
  try {
    fd = openSync(t.full, READ_FLAGS);
  } catch (error) {
    if (missing(error)) throw new NotFoundError(`'${t.clean}' does not exist in the datastore.`);
    // ELOOP here means the file itself became a link after the check: refuse it like any link out.
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw outsideError(t.clean);
    throw inputFailure(error, t.clean);
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new ValidationError(`'${t.clean}' is not a file; give the path of a file to read.`, 'path');
  }
  return fd;
}

export function createLocalFolderDatastore(rootPath: string): DatastoreBackend {
  const given = resolve(rootPath);
  let real: string | undefined;

  /** The root's real path, taken once it exists (a datastore may be registered before its folder is). */
  function root(): string {
    if (real !== undefined) return real;
    try {
      real = realpathSync.native(given);
      return real;
    } catch {
      return given;
    }
  }

  function contained(clean: string, landed: string): Target {
    if (!isInside(root(), landed)) throw outsideError(clean);
    return { clean, full: landed };
  }

  function targetSync(path: string): Target {
    const clean = normaliseDatastorePath(path);
    try {
      return contained(clean, landingSync(join(root(), clean)));
    } catch (error) {
      throw inputFailure(error, clean);
    }
  }

  async function target(path: string): Promise<Target> {
    const clean = normaliseDatastorePath(path);
    try {
      return contained(clean, await landingOf(join(root(), clean)));
    } catch (error) {
      throw inputFailure(error, clean);
    }
  }

  /** What a listing may show for one directory entry: links only when they land inside the root. */
  async function follow(dir: string, entry: Dirent): Promise<{ at: string; info: Stats } | undefined> {
    const here = join(dir, entry.name);
    let at: string | undefined = here;
    if (entry.isFile() && entry.name.includes(TEMP_MARK)) return undefined;
    if (entry.isSymbolicLink()) {
      at = await landingOf(here).catch(() => undefined);
      if (at === undefined || !isInside(root(), at)) return undefined;
    } else if (!entry.isFile() && !entry.isDirectory()) {
      return undefined;
    }
    // Gone since readdir, or a dangling link: not part of the listing.
    const info = await stat(at).catch(() => undefined);
    return info && (info.isFile() || info.isDirectory()) ? { at, info } : undefined;
  }

  /** `open` holds the real folders being walked, so a link back to one of them is not walked again. */
  async function walk(dir: string, prefix: string, recursive: boolean, open: Set<string>, out: FileEntry[]) {
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
      if (missing(error)) return [];
      throw error;
    });
    for (const entry of entries) {
      const found = await follow(dir, entry);
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (found?.info.isFile()) out.push({ path, size: found.info.size });
      else if (found && recursive && !open.has(found.at)) {
        open.add(found.at);
        await walk(found.at, path, true, open, out);
        open.delete(found.at);
      }
    }
  }

  async function writeFile(t: Target, source: Readable): Promise<void> {
    await mkdir(dirname(t.full), { recursive: true }).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' || code === 'EEXIST') {
        throw new ValidationError(`Invalid path '${t.clean}': a folder on the way is a file.`, 'path');
      }
      throw error;
    });
    const temp = join(dirname(t.full), `${TEMP_MARK}${randomUUID()}`);
    try {
      const file = await open(temp, TEMP_FLAGS);
      await pipeline(source, file.createWriteStream());
      await rename(temp, t.full);
    } catch (error) {
      await rm(temp, { force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EISDIR' || code === 'ENOTEMPTY') {
        throw new ValidationError(`'${t.clean}' is a folder; write to a file path inside it.`, 'path');
      }
      throw error;
    }
  }

  return {
    async stat(path: string): Promise<PathInfo | undefined> {
      const t = await target(path);
      const info = await stat(t.full).catch((error: unknown) => {
        if (missing(error)) return undefined;
        throw inputFailure(error, t.clean);
      });
      if (info?.isDirectory()) return { kind: 'folder', size: 0 };
      return info?.isFile() ? { kind: 'file', size: info.size } : undefined;
    },
    async list(folder: string, options = {}): Promise<FileEntry[]> {
      const t = await target(folder);
      const out: FileEntry[] = [];
      await walk(t.full, t.clean, options.recursive ?? false, new Set([t.full]), out);
      return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    openRead(path: string) {
      const t = targetSync(path);
      // Opened here, not lazily by the stream, so a missing file or a planted link fails the call itself.
      return createReadStream(t.full, { fd: openFile(t) });
    },
    async write(path: string, data: Readable | string | Buffer) {
      const source = typeof data === 'string' || Buffer.isBuffer(data) ? Readable.from([data]) : data;
      // The path is resolved before the stream is piped; an error it emits meanwhile must not go unheard
      // (an 'error' without a listener ends the process). The pipeline still sees it and rejects.
      source.on('error', () => undefined);
      const t = await target(path);
      if (t.full === root())
        throw new ValidationError(`Give a file path to write, not the datastore's root.`, 'path');
      try {
        await writeFile(t, source);
        return { size: (await stat(t.full)).size };
      } catch (error) {
        throw inputFailure(error, t.clean);
      }
    },
    async remove(path: string, options = {}) {
      const clean = normaliseDatastorePath(path);
      if (clean === '')
        throw new ValidationError(`Give a path to remove; a datastore's root cannot be removed.`, 'path');
      // The entry itself, not what it links to: removing a link removes only the link.
      const parent = await target(dirname(clean) === '.' ? '' : dirname(clean));
      const t = contained(clean, join(parent.full, basename(clean)));
      await rm(t.full, { recursive: options.recursive ?? false, force: true });
    },
    localPath(path: string) {
      return targetSync(path).full;
    },
  };
}
