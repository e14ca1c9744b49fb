/**
 * What the remote stores share to serve a byte range (see `openRead` in contract.ts): a stream cut to
 * bytes [start, end) of what passes, for a server that sends the whole file (a public URL need not
 * honour `Range`) or for an empty range that is still asked for (so a missing file fails alike), and
 * the test for a range past the end of a file, which the services answer with 416 and which reads as
 * no bytes, as a local file's does.
 */
import { Transform } from 'node:stream';

export function sliceBytes(start: number, end: number): Transform {
  let at = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const from = Math.max(start - at, 0);
      const to = Math.min(end - at, chunk.length);
      at += chunk.length;
      done(null, to > from ? chunk.subarray(from, to) : undefined);
    },
  });
}

/** Azure's RestError and the AWS SDK's errors carry the HTTP status in different places. */
export function isRangeNotSatisfiable(error: unknown): boolean {
  const e = error as { statusCode?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return e?.statusCode === 416 || e?.$metadata?.httpStatusCode === 416;
}
