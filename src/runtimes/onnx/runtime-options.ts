/**
 * Tuning knobs of the ONNX runtime, taken from the deployment's `environment_variables` (never from
 * the worker's own environment, so two deployments in one process cannot leak settings into each
 * other). Bad values fail `init()` rather than being silently replaced by defaults.
 *
 * | variable | default | meaning |
 * | NIGHTSHIFT_ORT_THREADS | 1 | onnxruntime intra-op threads (prefer more workers over more threads) |
 * | NIGHTSHIFT_BATCH_ROWS | 8192 | rows per inference call for tables (at least 1024) |
 * | NIGHTSHIFT_IMAGE_BATCH | 16 | images per inference call when the model has a fixed image size |
 * | NIGHTSHIFT_IMAGE_SCALE | none | pixel scaling: none (0–255, like Azure), unit (0–1), symmetric (−1–1) |
 * | NIGHTSHIFT_IMAGE_MEAN / _STD | — | comma-separated per-channel normalisation after scaling |
 */
import type { PixelScale } from '../readers/image-reader.ts';

export interface OnnxRuntimeOptions {
  intraOpThreads: number;
  batchRows: number;
  imageBatch: number;
  imageScale: PixelScale;
  imageMean: number[] | undefined;
  imageStd: number[] | undefined;
}

/** Fewer rows than this per call and the per-call cost (~25 µs) starts to dominate tabular scoring. */
const MIN_BATCH_ROWS = 1024;

export function onnxRuntimeOptions(env: Readonly<Record<string, string>>): OnnxRuntimeOptions {
  const scale = env.NIGHTSHIFT_IMAGE_SCALE ?? 'none';
  if (scale !== 'none' && scale !== 'unit' && scale !== 'symmetric') {
    throw new Error(`NIGHTSHIFT_IMAGE_SCALE must be none, unit or symmetric, not '${scale}'.`);
  }
  return {
    intraOpThreads: integer(env, 'NIGHTSHIFT_ORT_THREADS', 1, 1),
    batchRows: integer(env, 'NIGHTSHIFT_BATCH_ROWS', 8192, MIN_BATCH_ROWS),
    imageBatch: integer(env, 'NIGHTSHIFT_IMAGE_BATCH', 16, 1),
    imageScale: scale,
    imageMean: numberList(env, 'NIGHTSHIFT_IMAGE_MEAN'),
    imageStd: numberList(env, 'NIGHTSHIFT_IMAGE_STD'),
  };
}

function integer(
  env: Readonly<Record<string, string>>,
  name: string,
  fallback: number,
  minimum: number,
): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`${name} must be an integer >= ${minimum}, not '${text}'.`);
  }
  return value;
}

function numberList(env: Readonly<Record<string, string>>, name: string): number[] | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const values = text.split(',').map((part) => Number(part));
  if (values.some((value) => !Number.isFinite(value)))
    throw new Error(`${name} must be comma-separated numbers, not '${text}'.`);
  return values;
}
