/**
 * What the stores without folders (Azure Blob, S3) share: a "folder" is a key prefix ending in '/', so
 * both order entries, make prefixes and walk a key's ancestors the same way; and both upload a stream
 * whose size they count as it passes, from a source whose early errors must not go unheard.
 */
import { Readable, Transform } from 'node:stream';
import type { FileEntry } from './contract.ts';

export const byPath = (a: FileEntry, b: FileEntry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** The key prefix of a folder ('' for the root). */
export const prefixOf = (clean: string) => (clean === '' ? '' : `${clean}/`);

/** Each folder on the way to `clean` ('a', 'a/b' for 'a/b/c.csv'). */
export function ancestorsOf(clean: string): string[] {
  const parts = clean.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** Counts the bytes that pass, so a streamed write can report its size without asking the service. */
export function byteCounter(): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counter.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

/**
 * The data of a write as a stream. The store's checks before the upload take requests; an error the
 * source emits meanwhile must not go unheard (an 'error' without a listener ends the process). The
 * upload's pipeline still sees it and rejects.
 */
export function writeSource(data: Readable | string | Buffer): Readable {
  const source = typeof data === 'string' || Buffer.isBuffer(data) ? Readable.from([data]) : data;
  source.on('error', () => undefined);
  return source;
}
