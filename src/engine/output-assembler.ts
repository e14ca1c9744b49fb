/**
 * Builds a job's output file while the job runs: as soon as every mini-batch before index N has ended,
 * the part of N (if it succeeded) is appended, in index order. Finalizing then only has the last parts
 * left, instead of copying the whole output after the last prediction. The file is written to a
 * temporary name and appears under its real name only when finished, so nobody sees half an output.
 * A restart simply starts a new assembly (the abandoned temporary file is ignored by listings).
 */
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import type { MiniBatchRecord } from '../core/jobs.ts';
import type { DatastoreBackend } from '../storage/contract.ts';

export interface OutputAssembler {
  /** Appends every part that is next in order and ended; `lookup` reads one mini-batch's state. */
  advance(lookup: (index: number) => Promise<MiniBatchRecord | undefined>): Promise<void>;
  /** Appends what is left (treating every mini-batch as ended) and closes the file. */
  finish(
    lookup: (index: number) => Promise<MiniBatchRecord | undefined>,
  ): Promise<{ written: boolean; bytes: number }>;
}

const ENDED = new Set(['succeeded', 'failed', 'canceled']);

export function createOutputAssembler(options: {
  backend: DatastoreBackend;
  target: string;
  /** The part of a mini-batch (a file on this server, or in the artifact store), or undefined for none. */
  readPart: (index: number) => Promise<Readable | undefined>;
  total: number;
}): OutputAssembler {
  let next = 0;
  let stream: PassThrough | undefined;
  let writing: Promise<{ size: number }> | undefined;
  // Appends are serialised: attempts finish concurrently, but the file grows strictly in order.
  let chain: Promise<unknown> = Promise.resolve();

  async function append(index: number): Promise<void> {
    const part = await options.readPart(index);
    if (!part) return;
    if (!stream) {
      stream = new PassThrough();
      writing = options.backend.write(options.target, stream);
      writing.catch(() => undefined);
    }
    for await (const chunk of part) {
      if (!stream.write(chunk)) await once(stream, 'drain');
    }
  }

  async function step(
    lookup: (index: number) => Promise<MiniBatchRecord | undefined>,
    all: boolean,
  ): Promise<void> {
    while (next < options.total) {
      const batch = await lookup(next);
      if (!batch || (!all && !ENDED.has(batch.state))) return;
      if (batch.state === 'succeeded') await append(batch.index);
      next++;
    }
  }

  return {
    advance(lookup) {
      const run = chain.then(() => step(lookup, false));
      chain = run.catch(() => undefined);
      return run;
    },
    async finish(lookup) {
      const run = chain.then(() => step(lookup, true));
      chain = run.catch(() => undefined);
      await run;
      if (!stream || !writing) return { written: false, bytes: 0 };
      stream.end();
      const { size } = await writing;
      return { written: true, bytes: size };
    },
  };
}
