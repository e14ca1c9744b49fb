/**
 * A decoder for uncompressed 24- and 32-bit BMP files, because Azure accepts `.bmp` inputs and the
 * libvips build inside sharp has no BMP loader. It returns top-down RGB(A) pixels that sharp can take
 * as raw input for resizing and channel conversion.
 *
 * Covered: BITMAPINFOHEADER and its V2–V5 extensions, bottom-up and top-down rows, BI_RGB (32-bit
 * pixels are BGRX; the fourth byte is ignored, as Windows does) and BI_BITFIELDS / BI_ALPHABITFIELDS
 * masks. Palettes, 16-bit and RLE or embedded JPEG/PNG bitmaps are refused with a clear message.
 */

export interface DecodedBitmap {
  width: number;
  height: number;
  channels: 3 | 4;
  /** Top-down rows of RGB or RGBA bytes. */
  data: Buffer;
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

interface Channel {
  mask: number;
  shift: number;
  max: number;
}

function channel(mask: number): Channel {
  if (mask === 0) return { mask: 0, shift: 0, max: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { mask, shift, max: (mask >>> shift) >>> 0 };
}

function extract(pixel: number, c: Channel): number {
  const value = ((pixel & c.mask) >>> c.shift) >>> 0;
  return c.max === 255 ? value : Math.round((value * 255) / c.max);
}

/** Throws an Error whose message says what is wrong with the file; the caller adds which file. */
export function decodeBmp(bytes: Uint8Array): DecodedBitmap {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 54 || bytes[0] !== 0x42 || bytes[1] !== 0x4d)
    throw new Error('Not a BMP file (no "BM" header).');
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (headerSize < 40) throw new Error(`BMP header of ${headerSize} bytes (OS/2 bitmaps) is not supported.`);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bitsPerPixel = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  if (width <= 0 || height === 0) throw new Error(`BMP has an empty size ${width}x${height}.`);
  const bitfields = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  if (
    !(bitsPerPixel === 24 && compression === BI_RGB) &&
    !(bitsPerPixel === 32 && (compression === BI_RGB || bitfields))
  ) {
    throw new Error(
      `BMP with ${bitsPerPixel} bits per pixel and compression ${compression} is not supported (only uncompressed 24/32-bit).`,
    );
  }
  const stride = Math.ceil((width * bitsPerPixel) / 32) * 4;
  if (dataOffset + stride * height > bytes.length) throw new Error('BMP pixel data is truncated.');

  // Masks sit right after the 40-byte header, whether they belong to a V2+ header or follow a V1 one.
  const hasAlphaMask = compression === BI_ALPHABITFIELDS || headerSize >= 56;
  const masks = bitfields
    ? [54, 58, 62].map((at) => channel(view.getUint32(at, true)))
    : [channel(0x00ff0000), channel(0x0000ff00), channel(0x000000ff)];
  const alpha = bitfields && hasAlphaMask ? channel(view.getUint32(66, true)) : channel(0);
  const channels = alpha.mask === 0 ? 3 : 4;
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    const source = dataOffset + (topDown ? y : height - 1 - y) * stride;
    let target = y * width * channels;
    for (let x = 0; x < width; x++) {
      if (bitsPerPixel === 24) {
        const at = source + x * 3;
        data[target++] = bytes[at + 2] ?? 0;
        data[target++] = bytes[at + 1] ?? 0;
        data[target++] = bytes[at] ?? 0;
        continue;
      }
      const pixel = view.getUint32(source + x * 4, true);
      for (const mask of masks) data[target++] = extract(pixel, mask);
      if (channels === 4) data[target++] = extract(pixel, alpha);
    }
  }
  return { width, height, channels, data };
}
