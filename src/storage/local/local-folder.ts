/**
 * A datastore over a local folder. Every operation first finds where its path really lands, symbolic
 * links followed (contained-path.ts), refuses anything outside the folder with a 400, and then touches only
 * that resolved path; listings do not follow links that lead out of the folder. Writes go to a temporary
 * file beside the target and are renamed into place, so a reader sees either the old file or the whole new
 * one. Files are opened without following a final link, so a link swapped in after the check is refused.
 */
import { closeSync, constants, createReadStream, fstatSync, openSync, realpathSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { normaliseDatastorePath } from '../../core/references.ts';
import type { ByteRange, DatastoreBackend, FileEntry, FileWriter, PathInfo } from '../contract.ts';
import { inputFailure, isInside, landingOf, landingSync, outsideError } from './contained-path.ts';
import { listFolder, localFacts, TEMP_MARK } from './folder-listing.ts';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;
// O_NONBLOCK: opening a FIFO planted in the folder must not block a thread until a writer appears.
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const TEMP_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

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

/** A file written beside the target and renamed onto it at commit, so no reader ever sees part of it. */
async function openAtomically(t: Target): Promise<FileWriter> {
  await mkdir(dirname(t.full), { recursive: true }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') {
      throw new ValidationError(`Invalid path '${t.clean}': a folder on the way is a file.`, 'path');
    }
    throw error;
  });
  const temp = join(dirname(t.full), `${TEMP_MARK}${randomUUID()}`);
  const file = await open(temp, TEMP_FLAGS);
  let size = 0;
  const discard = async () => {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
  };
  return {
    async write(data) {
      for (let done = 0; done < data.length;) {
        done += (await file.write(data, done, data.length - done)).bytesWritten;
      }
      size += data.length;
    },
    async commit() {
      try {
        await file.close();
        await rename(temp, t.full);
        return { size };
      } catch (error) {
        await discard();
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EISDIR' || code === 'ENOTEMPTY') {
          throw new ValidationError(`'${t.clean}' is a folder; write to a file path inside it.`, 'path');
        }
        throw error;
      }
    },
    discard,
  };
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

  async function openWriter(path: string): Promise<FileWriter> {
    const t = await target(path);
    if (t.full === root())
      throw new ValidationError(`Give a file path to write, not the datastore's root.`, 'path');
    try {
      return await openAtomically(t);
    } catch (error) {
      throw inputFailure(error, t.clean);
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
      return info?.isFile() ? { kind: 'file', size: info.size, ...localFacts(info) } : undefined;
    },
    async list(folder: string, options = {}): Promise<FileEntry[]> {
      const t = await target(folder);
      return listFolder(root(), t.full, t.clean, options.recursive ?? false);
    },
    openRead(path: string, range?: ByteRange) {
      const t = targetSync(path);
      // Opened here, not lazily by the stream, so a missing file or a planted link fails the call itself.
      const fd = openFile(t);
      if (range === undefined) return createReadStream(t.full, { fd });
      if (range.end <= range.start) {
        closeSync(fd);
        return Readable.from([]);
      }
      return createReadStream(t.full, { fd, start: range.start, end: range.end - 1 });
    },
    async write(path: string, data: Readable | string | Buffer) {
      const source = typeof data === 'string' || Buffer.isBuffer(data) ? Readable.from([data]) : data;
      // The path is resolved before the stream is read; an error it emits meanwhile must not go unheard
      // (an 'error' without a listener ends the process). Iterating it below still sees it and throws.
      source.on('error', () => undefined);
      const writer = await openWriter(path);
      try {
        for await (const chunk of source) {
          await writer.write(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array));
        }
        return await writer.commit();
      } catch (error) {
        await writer.discard();
        throw inputFailure(error, normaliseDatastorePath(path));
      }
    },
    openWriter,
    async remove(path: string, options = {}) {
      const clean = normaliseDatastorePath(path);
      if (clean === '')
        throw new ValidationError(`Give a path to remove; a datastore's root cannot be removed.`, 'path');
      // The entry itself, not what it links to: removing a link removes only the link.
      const parent = await target(dirname(clean) === '.' ? '' : dirname(clean));
      const t = contained(clean, join(parent.full, basename(clean)));
      await rm(t.full, { recursive: options.recursive ?? false, force: true });
    },
    async localPath(path: string) {
      return (await target(path)).full;
    },
  };
}
