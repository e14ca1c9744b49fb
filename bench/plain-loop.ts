/**
 * The plain loop the job is measured against: one process scores files with the same reader and ONNX
 * model as a job's worker, and writes its predictions to a file as the job does, so both pay for
 * output. Section (a) runs it in the bench's own process; section (k) runs two of it side by side in
 * child processes (bench/plain-loop-main.ts), the two-core ceiling of a two-worker job.
 */
import { fork } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOnnxRuntime } from '../src/runtimes/onnx/onnx-runtime.ts';

/** Scores `files` of `folder` with the model in `model`; resolves with the milliseconds it took. */
export async function plainLoop(folder: string, files: readonly string[], model: string): Promise<number> {
  const runtime = createOnnxRuntime({
    kind: 'onnx',
    modelDir: dirname(model),
    modelPath: model,
    outputDir: tmpdir(),
    outputAction: 'append_row',
    loggingLevel: 'warning',
    environmentVariables: {},
  });
  const out = createWriteStream(join(tmpdir(), `ns-bench-loop-${process.pid}.csv`));
  const sink = {
    write: (text: string) => (out.write(text) ? Promise.resolve() : once(out, 'drain').then(() => undefined)),
  };
  const started = performance.now();
  await runtime.init();
  await runtime.run(
    files.map((f) => join(folder, f)),
    sink,
  );
  await runtime.dispose();
  out.end();
  await once(out, 'finish');
  return performance.now() - started;
}

interface LoopReply {
  ms?: number;
  error?: string;
}

/**
 * Two plain loops side by side, each in a child process over its own share of `files`. Both import the
 * runtime first and start together on a signal, so the time is from that signal until the slower one
 * has finished (model load included, as in the single loop).
 */
export async function sideBySideLoops(
  folder: string,
  shares: readonly (readonly string[])[],
  model: string,
): Promise<{ ms: number; each: number[] }> {
  const children = shares.map(() => fork(fileURLToPath(new URL('./plain-loop-main.ts', import.meta.url))));
  try {
    await Promise.all(children.map((child) => once(child, 'message')));
    const started = performance.now();
    const replies = children.map(async (child, i) => {
      const reply = once(child, 'message') as Promise<[LoopReply]>;
      child.send({ folder, files: shares[i], model });
      const [{ ms, error }] = await reply;
      if (ms === undefined) throw new Error(`plain loop ${String(i)} failed: ${error ?? 'no reply'}`);
      return ms;
    });
    const each = await Promise.all(replies);
    return { ms: performance.now() - started, each };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}
