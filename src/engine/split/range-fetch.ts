/**
 * A byte range of a file on a remote store, brought to this machine without the rest of the file: a
 * sparse local file holding the file's head (its header and first record, which name the columns and
 * their types) and the range's bytes at their own offsets, the rest a hole that takes no disk. The
 * worker then opens it with the same `#bytes=…` fragment as a local file, and reads the same rows.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DatastoreBackend } from '../../storage/contract.ts';

/** The head is fetched in steps of this many bytes until it holds two lines that are not blank. */
const HEAD_STEP = 64 * 1024;

/** Whether `bytes` hold the header and the first record (two non-blank lines), as the readers read them. */
function holdsHead(bytes: Buffer): boolean {
  let lines = 0;
  let from = 0;
  for (let lf = bytes.indexOf(10); lf >= 0; lf = bytes.indexOf(10, from)) {
    if (bytes.subarray(from, lf).toString('latin1').trim() !== '') lines++;
    if (lines >= 2) return true;
    from = lf + 1;
  }
  return false;
}

/** Copies the file's head (up to `limit`), growing it until it holds what the readers need first. */
async function copyHead(
  handle: Awaited<ReturnType<typeof open>>,
  backend: DatastoreBackend,
  path: string,
  limit: number,
): Promise<number> {
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < limit) {
    const end = Math.min(at + HEAD_STEP, limit);
    const before = at;
    for await (const chunk of backend.openRead(path, { start: at, end })) {
      const bytes = chunk as Buffer;
      await handle.write(bytes, 0, bytes.length, at);
      chunks.push(bytes);
      at += bytes.length;
    }
    if (at === before || holdsHead(Buffer.concat(chunks))) break;
  }
  return at;
}

async function copyAt(
  handle: Awaited<ReturnType<typeof open>>,
  backend: DatastoreBackend,
  path: string,
  range: { start: number; end: number },
): Promise<number> {
  let at = range.start;
  for await (const chunk of backend.openRead(path, range)) {
    const bytes = chunk as Buffer;
    await handle.write(bytes, 0, bytes.length, at);
    at += bytes.length;
  }
  return at - range.start;
}

/** The local sparse copy's path (named as the file, in a folder of its own under `dir`), and its size. */
export async function fetchByteRange(
  backend: DatastoreBackend,
  path: string,
  range: { start: number; end: number },
  dir: string,
): Promise<{ local: string; bytes: number }> {
  const folder = join(dir, randomUUID());
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const local = join(folder, basename(path));
  const handle = await open(local, 'w', 0o600);
  try {
    const head = await copyHead(handle, backend, path, range.start);
    const body = await copyAt(handle, backend, path, range);
    return { local, bytes: head + body };
  } catch (error) {
    await handle.close();
    await rm(folder, { recursive: true, force: true });
    throw error;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Removes a copy made by fetchByteRange (its own folder with it). */
export async function removeByteRange(local: string): Promise<void> {
  await rm(dirname(local), { recursive: true, force: true });
}
