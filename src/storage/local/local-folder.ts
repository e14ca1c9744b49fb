/**
 * A datastore over a local folder. Every path is resolved inside the root and checked again after
 * resolution, so a crafted path can never reach outside it. Writes go to a temporary sibling and are
 * renamed into place, so a reader sees either the old file or the whole new one.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../core/errors.ts';
import { normaliseDatastorePath } from '../../core/references.ts';
import type { DatastoreBackend, FileEntry, PathInfo } from '../contract.ts';

export function createLocalFolderDatastore(rootPath: string): DatastoreBackend {
  const root = resolve(rootPath);

  function resolveInside(path: string): string {
    const clean = normaliseDatastorePath(path);
    const full = resolve(root, clean);
    if (full !== root && !full.startsWith(root + sep)) {
      throw new ValidationError(`Invalid path '${path}': it points outside the datastore.`, 'path');
    }
    return full;
  }

  async function walk(folder: string, recursive: boolean, out: FileEntry[]): Promise<void> {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (recursive) await walk(full, true, out);
      } else if (entry.isFile() && !entry.name.includes('.tmp-')) {
        const info = await stat(full);
        out.push({ path: relative(root, full).split(sep).join('/'), size: info.size });
      }
    }
  }

  return {
    async stat(path: string): Promise<PathInfo | undefined> {
      try {
        const info = await stat(resolveInside(path));
        return { kind: info.isDirectory() ? 'folder' : 'file', size: info.isDirectory() ? 0 : info.size };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw error;
      }
    },
    async list(folder: string, options = {}): Promise<FileEntry[]> {
      const out: FileEntry[] = [];
      await walk(resolveInside(folder), options.recursive ?? false, out);
      return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    openRead(path: string) {
      return createReadStream(resolveInside(path));
    },
    async write(path: string, data: Readable | string | Buffer) {
      const full = resolveInside(path);
      await mkdir(dirname(full), { recursive: true }).catch((error: unknown) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOTDIR' || code === 'EEXIST') {
          throw new ValidationError(`Invalid path '${path}': a folder on the way is a file.`, 'path');
        }
        throw error;
      });
      const temp = `${full}.tmp-${randomUUID()}`;
      try {
        const source = typeof data === 'string' || Buffer.isBuffer(data) ? Readable.from([data]) : data;
        await pipeline(source, createWriteStream(temp));
        await rename(temp, full);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return { size: (await stat(full)).size };
    },
    async remove(path: string, options = {}) {
      await rm(resolveInside(path), { recursive: options.recursive ?? false, force: true });
    },
    localPath(path: string) {
      return resolveInside(path);
    },
  };
}
