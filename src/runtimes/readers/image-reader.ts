/**
 * Turns one image file into a float tensor of the shape a model asks for: size, channel count,
 * layout (NCHW or NHWC) and pixel scaling. sharp decodes PNG, JPEG, TIFF and GIF (first page or
 * frame) on the libuv pool, so decoding overlaps inference; BMP goes through our own decoder first.
 *
 * Resizing stretches to the requested size (no crop), so every pixel of the source is seen. With no
 * size requested the image keeps its own. The default scaling is none (0–255), which matches what
 * Azure's no-code driver hands a model: the image's uint8 values.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import sharp from 'sharp';
import type { OutputInfo, Sharp } from 'sharp';
import { decodeBmp } from './bmp-decoder.ts';
import { InputFileError } from './input-error.ts';

export type ImageLayout = 'NCHW' | 'NHWC';
/** none: 0..255; unit: 0..1; symmetric: -1..1. Mean/std, when given, apply after scaling. */
export type PixelScale = 'none' | 'unit' | 'symmetric';

export interface ImageTensorOptions {
  layout: ImageLayout;
  channels: 1 | 3 | 4;
  /** Target size; when omitted the image keeps its own width and height. */
  width?: number;
  height?: number;
  scale?: PixelScale;
  /** Per-channel mean and standard deviation, applied as (x - mean) / std after scaling. */
  mean?: readonly number[];
  std?: readonly number[];
}

/** One image as a tensor. An image file is one row, so `row` is always 0. */
export interface ImageTensor {
  file: string;
  row: 0;
  width: number;
  height: number;
  channels: number;
  layout: ImageLayout;
  /** channels × height × width values in `layout` order (without the batch axis). */
  data: Float32Array;
}

export async function readImageTensor(file: string, options: ImageTensorOptions): Promise<ImageTensor> {
  const bytes = await readFile(file);
  let pixels: { data: Buffer; info: OutputInfo };
  try {
    pixels = await pipeline(bytes, file, options).raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new InputFileError('UnreadableInput', file, `Cannot decode the image: ${(error as Error).message}`);
  }
  const { width, height, channels } = pixels.info;
  if (channels !== options.channels) {
    throw new InputFileError(
      'UnreadableInput',
      file,
      `Decoded ${channels} channels, expected ${options.channels}.`,
    );
  }
  const data = toTensor(pixels.data, width, height, channels, options);
  return { file, row: 0, width, height, channels, layout: options.layout, data };
}

function pipeline(bytes: Buffer, file: string, options: ImageTensorOptions): Sharp {
  let image: Sharp;
  if (extname(file).toLowerCase() === '.bmp') {
    const bitmap = decodeBmp(bytes);
    image = sharp(bitmap.data, {
      raw: { width: bitmap.width, height: bitmap.height, channels: bitmap.channels },
    });
  } else {
    image = sharp(bytes);
  }
  if (options.width !== undefined || options.height !== undefined) {
    image = image.resize(options.width, options.height, { fit: 'fill' });
  }
  if (options.channels === 1) return image.removeAlpha().toColourspace('b-w');
  if (options.channels === 3) return image.removeAlpha().toColourspace('srgb');
  return image.ensureAlpha().toColourspace('srgb');
}

function toTensor(
  pixels: Buffer,
  width: number,
  height: number,
  channels: number,
  options: ImageTensorOptions,
): Float32Array {
  const scale = options.scale ?? 'none';
  const factor = scale === 'unit' ? 1 / 255 : scale === 'symmetric' ? 2 / 255 : 1;
  const shift = scale === 'symmetric' ? -1 : 0;
  const mean = Float32Array.from({ length: channels }, (_, c) => options.mean?.[c] ?? 0);
  const inverseStd = Float32Array.from({ length: channels }, (_, c) => 1 / (options.std?.[c] ?? 1));
  const plane = width * height;
  const out = new Float32Array(plane * channels);
  const planar = options.layout === 'NCHW';
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < channels; c++) {
      const raw = pixels[p * channels + c] ?? 0;
      const value = (raw * factor + shift - (mean[c] ?? 0)) * (inverseStd[c] ?? 1);
      out[planar ? c * plane + p : p * channels + c] = value;
    }
  }
  return out;
}
