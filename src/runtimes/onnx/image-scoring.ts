/**
 * Scores the image files of a mini-batch, several per inference call. Decoding runs on sharp's
 * libuv threads while inference runs on this one, so the next batch is decoded while the current
 * one is scored. A file that fails to decode fails alone; an inference error fails its batch.
 */
import { basename } from 'node:path';
import type { ItemFailure } from '../contract.ts';
import { readImageTensor, type ImageTensor } from '../readers/image-reader.ts';
import { imageBatchTensor, type ImagePlan } from './image-plan.ts';
import { predictionTexts, type PredictionWriter } from './prediction-format.ts';
import type { ScoringSession } from './scoring-session.ts';

export interface ImageScoringContext {
  session: ScoringSession;
  plan: ImagePlan;
  batchSize: number;
  writer: PredictionWriter;
  /** Builds the failure record for a file; shared with tabular files so messages read alike. */
  failure: (file: string, error: unknown) => ItemFailure;
}

type Decoded = { file: string; image?: ImageTensor; error?: unknown };

function decode(files: readonly string[], plan: ImagePlan): Promise<Decoded[]> {
  return Promise.all(
    files.map((file) =>
      readImageTensor(file, plan.options).then(
        (image) => ({ file, image }),
        (error: unknown) => ({ file, error }),
      ),
    ),
  );
}

/** Returns the files that failed; every other file has its prediction line written. */
export async function scoreImageFiles(
  files: readonly string[],
  context: ImageScoringContext,
): Promise<ItemFailure[]> {
  const size = context.plan.batchable ? context.batchSize : 1;
  const batches: string[][] = [];
  for (let i = 0; i < files.length; i += size) batches.push(files.slice(i, i + size));
  const failures: ItemFailure[] = [];
  let next = batches[0] === undefined ? undefined : decode(batches[0], context.plan);
  for (let b = 0; next !== undefined; b++) {
    const decoded = await next;
    const following = batches[b + 1];
    next = following === undefined ? undefined : decode(following, context.plan);
    const images: ImageTensor[] = [];
    for (const item of decoded) {
      if (item.image === undefined) failures.push(context.failure(item.file, item.error));
      else images.push(item.image);
    }
    if (images.length === 0) continue;
    let predictions: string[];
    try {
      const output = await context.session.run({
        [context.plan.input.name]: imageBatchTensor(context.plan, images),
      });
      predictions = predictionTexts(output);
    } catch (error) {
      for (const image of images) failures.push(context.failure(image.file, error));
      continue;
    }
    await context.writer.writeFiles(
      predictions,
      images.map((image) => basename(image.file)),
    );
  }
  return failures;
}
