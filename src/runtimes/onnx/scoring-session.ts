/**
 * An onnxruntime session set up for batch scoring, plus the choice of which output is "the
 * prediction": `label` when the model has one (classifiers built by skl2onnx and our fixtures do),
 * else the first output. Only that output is fetched, so onnxruntime can skip work for the others.
 *
 * onnxruntime-node runs inference on the calling thread, so a worker holds one session and calls it
 * with large batches; parallelism comes from more workers (2 × 1 thread beat 1 × 2 threads here).
 */
import { InferenceSession, type Tensor } from 'onnxruntime-node';
import type { ModelInput } from './input-plan.ts';

export interface ScoringSession {
  readonly inputs: readonly ModelInput[];
  readonly outputName: string;
  run(feeds: Record<string, Tensor>): Promise<Tensor>;
  release(): Promise<void>;
}

export async function openScoringSession(onnxFile: string, intraOpThreads: number): Promise<ScoringSession> {
  const session = await InferenceSession.create(onnxFile, {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
  });
  try {
    const inputs = session.inputMetadata.map((meta): ModelInput => {
      if (!meta.isTensor)
        throw new Error(`Model input '${meta.name}' is not a tensor; the onnx runtime feeds tensors only.`);
      return { name: meta.name, type: meta.type, shape: meta.shape };
    });
    const outputName = session.outputNames.includes('label') ? 'label' : session.outputNames[0];
    const output = session.outputMetadata.find((meta) => meta.name === outputName);
    if (outputName === undefined || output === undefined)
      throw new Error(`Model '${onnxFile}' has no outputs.`);
    if (!output.isTensor) {
      throw new Error(
        `Model output '${outputName}' is not a tensor (a ZipMap or sequence?); export the model without it.`,
      );
    }
    return {
      inputs,
      outputName,
      async run(feeds) {
        const results = await session.run(feeds, [outputName]);
        const result = results[outputName];
        if (result === undefined) throw new Error(`The model returned no '${outputName}' output.`);
        return result;
      },
      release: () => session.release(),
    };
  } catch (error) {
    await session.release();
    throw error;
  }
}
