/**
 * Immutable snapshots: a model or code folder is copied file by file from wherever it was uploaded into
 * the artifact store, and a content hash over (relative path, bytes) of every file is kept, so a
 * registered version can be checked and never silently changes.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { ValidationError } from '../core/errors.ts';
import type { DatastoreBackend } from '../storage/contract.ts';

export interface SnapshotResult {
  kind: 'file' | 'folder';
  /** The last segment of the source path: the file or folder name users see under the model dir. */
  entryName: string;
  contentHash: string;
  files: number;
  bytes: number;
}

export async function snapshotTree(
  source: { backend: DatastoreBackend; path: string; field: string },
  /** Without a target the tree is only hashed (to compare with a registered version). */
  target?: { backend: DatastoreBackend; path: string },
): Promise<SnapshotResult> {
  const info = await source.backend.stat(source.path);
  if (!info) {
    throw new ValidationError(
      `'${source.field}' points to '${source.path}', which does not exist.`,
      source.field,
    );
  }
  const entryName = source.path.split('/').pop() ?? '';
  if (!entryName)
    throw new ValidationError(
      `'${source.field}' must name a file or folder, not a datastore root.`,
      source.field,
    );
  const entries =
    info.kind === 'file'
      ? [{ path: source.path, rel: entryName }]
      : (await source.backend.list(source.path, { recursive: true })).map((e) => ({
          path: e.path,
          rel: `${entryName}/${e.path.slice(source.path.length + 1)}`,
        }));
  if (entries.length === 0)
    throw new ValidationError(`'${source.field}' points to an empty folder.`, source.field);
  const tree = createHash('sha256');
  let bytes = 0;
  for (const entry of entries) {
    const fileHash = createHash('sha256');
    // A Transform (not a 'data' listener) so bytes wait for the writer instead of flowing past it.
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        fileHash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    const writing = target ? target.backend.write(`${target.path}/${entry.rel}`, tap) : drain(tap);
    await Promise.all([pipeline(source.backend.openRead(entry.path), tap), writing]);
    tree.update(`${entry.rel}\0${fileHash.digest('hex')}\n`);
  }
  return { kind: info.kind, entryName, contentHash: tree.digest('hex'), files: entries.length, bytes };
}

async function drain(stream: Transform): Promise<void> {
  stream.resume();
  await finished(stream);
}
