/**
 * Worker-thread body for hashing a job's input files (size and sha256 for the manifest). It runs off the
 * server's event loop, so hashing hundreds of megabytes never delays handing the next mini-batch to a
 * worker.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const files = workerData as string[];
const out: { size: number; sha256: string }[] = [];
for (const file of files) {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  out.push({ size, sha256: hash.digest('hex') });
}
parentPort?.postMessage(out);
