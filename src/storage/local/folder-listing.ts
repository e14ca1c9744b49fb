/**
 * Listing a local-folder datastore: the files below a folder (its top level, or every level), with their
 * datastore paths, sorted. Symbolic links are followed only while they land inside the datastore's real
 * folder; links that lead out, dangling links, FIFOs, devices and temporary files are left out, and a link
 * back to a folder being walked is not walked again, so a listing neither leaks nor loops.
 */
import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathInFolder } from '../../core/references.ts';
import type { FileEntry, FileFacts } from '../contract.ts';
import { isInside, landingOf } from './contained-path.ts';

/**
 * A local file's facts: its time, and an ETag made of inode, size and time, which changes when a write
 * replaces the file (writes land by rename, so the inode changes too).
 */
export function localFacts(info: Stats): FileFacts {
  return {
    etag: `"${info.ino.toString(16)}-${info.size.toString(16)}-${Math.trunc(info.mtimeMs).toString(16)}"`,
    lastModified: info.mtime.toISOString(),
  };
}

/** Temporary files of an unfinished write carry this in their name. */
export const TEMP_MARK = '.tmp-';

const missing = (error: unknown) =>
  ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');

/** What a listing may show for one directory entry: links only when they land inside the root. */
async function follow(
  root: string,
  dir: string,
  entry: Dirent,
): Promise<{ at: string; info: Stats } | undefined> {
  const here = join(dir, entry.name);
  let at: string | undefined = here;
  if (entry.isFile() && entry.name.includes(TEMP_MARK)) return undefined;
  if (entry.isSymbolicLink()) {
    at = await landingOf(here).catch(() => undefined);
    if (at === undefined || !isInside(root, at)) return undefined;
  } else if (!entry.isFile() && !entry.isDirectory()) {
    return undefined;
  }
  // Gone since readdir, or a dangling link: not part of the listing.
  const info = await stat(at).catch(() => undefined);
  return info && (info.isFile() || info.isDirectory()) ? { at, info } : undefined;
}

/** `open` holds the real folders being walked, so a link back to one of them is not walked again. */
async function walk(
  root: string,
  dir: string,
  prefix: string,
  recursive: boolean,
  open: Set<string>,
  out: FileEntry[],
) {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
    if (missing(error)) return [];
    throw error;
  });
  for (const entry of entries) {
    const found = await follow(root, dir, entry);
    const path = pathInFolder(prefix, entry.name);
    if (found?.info.isFile()) out.push({ path, size: found.info.size, ...localFacts(found.info) });
    else if (found && recursive && !open.has(found.at)) {
      open.add(found.at);
      await walk(root, found.at, path, true, open, out);
      open.delete(found.at);
    }
  }
}

/** `root` and `folder` are real paths; `prefix` is the folder's datastore path. */
export async function listFolder(
  root: string,
  folder: string,
  prefix: string,
  recursive: boolean,
): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  await walk(root, folder, prefix, recursive, new Set([folder]), out);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
