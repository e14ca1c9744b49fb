/**
 * Decides the tensor an image becomes for a given model: layout, channels, size and element type.
 *
 * A TensorSpec signature of the model's rank wins (as MLflow reshapes to it); free dimensions fall back
 * to the model input's own. The channel axis is the one of size 1, 3 or 4: last means NHWC, second
 * means NCHW, and a rank-3 input [N, H, W] is single-channel. With a free height or width, images keep
 * their own size and are scored one per call, since a batch needs one size.
 */
import type { Tensor } from 'onnxruntime-node';
import type { ImageTensor, ImageTensorOptions, PixelScale } from '../readers/image-reader.ts';
import { fixedDim, toTensor, type ModelInput } from './input-plan.ts';
import type { InputSignature } from './mlmodel.ts';

export interface ImagePlan {
  input: ModelInput;
  options: ImageTensorOptions;
  /** True when every image gets one size, so several can share an inference call. */
  batchable: boolean;
}

export interface PixelNormalisation {
  scale: PixelScale;
  mean: number[] | undefined;
  std: number[] | undefined;
}

const IMAGE_INPUT_TYPES = new Set<Tensor.Type>(['float32', 'float64', 'uint8']);

function isChannelCount(dim: number | undefined): dim is 1 | 3 | 4 {
  return dim === 1 || dim === 3 || dim === 4;
}

export function planImages(
  inputs: readonly ModelInput[],
  signature: InputSignature | undefined,
  pixels: PixelNormalisation,
): ImagePlan {
  const input = inputs[0];
  if (input === undefined || inputs.length > 1) {
    throw new Error(`Images need a model with one input; this one has ${inputs.length}.`);
  }
  if (!IMAGE_INPUT_TYPES.has(input.type))
    throw new Error(
      `Model input '${input.name}' has type ${input.type}; images need float32, float64 or uint8.`,
    );
  const spec = signature?.kind === 'tensors' ? signature.tensors[0]?.shape : undefined;
  const shape = input.shape.map(
    (dim, i) => fixedDim(spec?.length === input.shape.length ? spec[i] : undefined) ?? fixedDim(dim),
  );
  const base = { scale: pixels.scale, mean: pixels.mean, std: pixels.std };
  let options: ImageTensorOptions;
  if (shape.length === 3) {
    options = { ...base, layout: 'NHWC', channels: 1, height: shape[1], width: shape[2] };
  } else if (shape.length === 4 && isChannelCount(shape[3]) && !isChannelCount(shape[1])) {
    options = { ...base, layout: 'NHWC', channels: shape[3], height: shape[1], width: shape[2] };
  } else if (shape.length === 4 && isChannelCount(shape[1])) {
    options = { ...base, layout: 'NCHW', channels: shape[1], height: shape[2], width: shape[3] };
  } else {
    const shown = `[${input.shape.join(', ')}]`;
    throw new Error(
      `Cannot tell how an image fits model input '${input.name}' ${shown}: it needs rank 3 [N,H,W] or rank 4 with 1, 3 or 4 channels.`,
    );
  }
  const batchable = options.width !== undefined && options.height !== undefined;
  if (!batchable) {
    // A half-fixed size would still resize; free both so each image keeps its aspect.
    options = { ...options, width: undefined, height: undefined };
  }
  return { input, options, batchable };
}

/** One tensor holding `images`, which all share the plan's size. */
export function imageBatchTensor(plan: ImagePlan, images: readonly ImageTensor[]): Tensor {
  const first = images[0];
  if (first === undefined) throw new Error('An image batch cannot be empty.');
  const size = first.data.length;
  const values = new Float32Array(size * images.length);
  for (const [i, image] of images.entries()) values.set(image.data, i * size);
  const { channels, height, width } = first;
  let dims: number[];
  if (plan.input.shape.length === 3) dims = [images.length, height, width];
  else if (plan.options.layout === 'NCHW') dims = [images.length, channels, height, width];
  else dims = [images.length, height, width, channels];
  return toTensor(plan.input, values, dims);
}
