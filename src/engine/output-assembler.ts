/**
 * Builds a job's output file while the job runs: as soon as every mini-batch before index N has ended,
 * the part of N (if it succeeded) is appended, in index order. Finalizing then only has the last parts
 * left, instead of copying the whole output after the last prediction. The file is written to a
 * temporary name and appears under its real name only when finished, so nobody sees half an output.
 * A restart simply starts a new assembly (the abandoned temporary file is ignored by listings).
 *
 * When the output's store is on this machine and the parts are files here (the embedded case), parts are
 * copied through one reused buffer into the store's writer: a rerun that reuses 99% of its parent's
 * parts spends most of its time here, and a fresh buffer per chunk cost it more than the copy itself.
 */
import { once } from 'node:events';
import { open, type FileHandle } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import type { MiniBatchRecord } from '../core/jobs.ts';
import type { DatastoreBackend, FileWriter } from '../storage/contract.ts';
import type { JobParts } from './job-parts.ts';

export interface OutputAssembler {
  /** Appends every part that is next in order and ended; `lookup` reads one mini-batch's state. */
  advance(lookup: (index: number) => Promise<MiniBatchRecord | undefined>): Promise<void>;
  /** Appends what is left (treating every mini-batch as ended) and closes the file. */
  finish(
    lookup: (index: number) => Promise<MiniBatchRecord | undefined>,
  ): Promise<{ written: boolean; bytes: number }>;
}

const ENDED = new Set(['succeeded', 'failed', 'canceled']);
const COPY_BUFFER_BYTES = 1 << 20;

/** Where the output goes: appended to in order, then closed once. */
interface OutputSink {
  append(chunk: Uint8Array): Promise<void>;
  close(): Promise<{ size: number }>;
  /** Gives up on the file: nothing appears under the target's name. */
  abandon(): Promise<void>;
}

function streamSink(backend: DatastoreBackend, target: string): OutputSink {
  const stream = new PassThrough();
  const writing = backend.write(target, stream);
  writing.catch(() => undefined);
  return {
    // Only parts read as streams come here, whose chunks are each their own memory, as a stream needs.
    async append(chunk) {
      if (!stream.write(chunk)) await once(stream, 'drain');
    },
    close() {
      stream.end();
      return writing;
    },
    abandon() {
      stream.destroy(new Error('the output was abandoned'));
      return Promise.resolve();
    },
  };
}

function writerSink(writer: FileWriter): OutputSink {
  return {
    append: (chunk) => writer.write(chunk),
    close: () => writer.commit(),
    abandon: () => writer.discard(),
  };
}

/** The part file at `path` opened to read, or undefined when there is none (it wrote no rows). */
async function openPart(path: string): Promise<FileHandle | undefined> {
  return open(path, 'r').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
}

async function copyPart(file: FileHandle, buffer: Buffer, sink: OutputSink): Promise<void> {
  try {
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      await sink.append(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
}

export function createOutputAssembler(options: {
  backend: DatastoreBackend;
  target: string;
  /** Where the mini-batches' parts are: files on this server, or objects in the artifact store. */
  parts: Pick<JobParts, 'read' | 'localPath'>;
  total: number;
}): OutputAssembler {
  let next = 0;
  let sink: Promise<OutputSink> | undefined;
  let buffer: Buffer | undefined;
  let broken: Error | undefined;
  // Appends are serialised: attempts finish concurrently, but the file grows strictly in order.
  let chain: Promise<unknown> = Promise.resolve();

  const { backend, target } = options;
  // Bytes handed to the sink: whether a failed append left part of its part in the file.
  let appended = 0;
  const counted = (inner: OutputSink): OutputSink => ({
    ...inner,
    async append(chunk) {
      appended += chunk.length;
      await inner.append(chunk);
    },
  });
  const openSink = async (): Promise<OutputSink> =>
    counted(backend.openWriter ? writerSink(await backend.openWriter(target)) : streamSink(backend, target));

  async function append(index: number): Promise<void> {
    const path = backend.openWriter ? options.parts.localPath?.(index) : undefined;
    if (path !== undefined) {
      const file = await openPart(path);
      if (!file) return;
      buffer ??= Buffer.allocUnsafe(COPY_BUFFER_BYTES);
      await copyPart(file, buffer, await (sink ??= openSink()));
      return;
    }
    const part = await options.parts.read(index);
    if (!part) return;
    const out = await (sink ??= openSink());
    for await (const chunk of part) await out.append(chunk as Buffer);
  }

  async function step(
    lookup: (index: number) => Promise<MiniBatchRecord | undefined>,
    all: boolean,
  ): Promise<void> {
    if (broken) throw broken;
    while (next < options.total) {
      const batch = await lookup(next);
      if (!batch || (!all && !ENDED.has(batch.state))) return;
      if (batch.state === 'succeeded') {
        const before = appended;
        await append(batch.index).catch((error: unknown) => {
          // Nothing of the part reached the file (it could not be opened): the next call tries it again.
          // Part of it did: the file is wrong from here on, and every later call says so.
          if (appended > before) broken = error instanceof Error ? error : new Error(String(error));
          throw error;
        });
      }
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
      await run.catch(async (error: unknown) => {
        await (await sink?.catch(() => undefined))?.abandon();
        throw error;
      });
      if (!sink) return { written: false, bytes: 0 };
      const { size } = await (await sink).close();
      return { written: true, bytes: size };
    },
  };
}
