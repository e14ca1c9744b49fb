/**
 * Reading a small datastore file whole, as text (an MLmodel file, a job's manifest). One reader for the
 * places that need a file's contents rather than a stream, with an optional ceiling so a caller reading a
 * file someone else wrote (a manifest in a folder the invoker chose) cannot be made to buffer gigabytes.
 */
import type { DatastoreBackend } from './contract.ts';

/** The file's text, or undefined when it is longer than `maxBytes` (the read stops there). */
export async function readText(
  backend: DatastoreBackend,
  path: string,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<string | undefined> {
  const stream = backend.openRead(path);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      stream.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
