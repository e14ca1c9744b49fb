import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { decodeBmp } from './bmp-decoder.ts';

const COLORS = new URL('../../../fixtures/data/colors/', import.meta.url);

interface CornerPixels {
  size: [number, number];
  top_left: number[];
  bottom_right: number[];
}
const expected = JSON.parse(
  await readFile(new URL('../../../fixtures/expected/color-labels.json', import.meta.url), 'utf8'),
) as {
  pixels: Record<string, CornerPixels>;
};

function pixelAt(bitmap: ReturnType<typeof decodeBmp>, x: number, y: number): number[] {
  const at = (y * bitmap.width + x) * bitmap.channels;
  return [...bitmap.data.subarray(at, at + 3)];
}

describe('decodeBmp', () => {
  // Written by scripts/build-fixtures.py: 24-bit bottom-up with padded rows, 32-bit BI_RGB top-down,
  // and a BITMAPV4HEADER with BI_BITFIELDS masks in RGBA order.
  for (const name of ['green-24bit.bmp', 'red-32bit-topdown.bmp', 'blue-bitfields.bmp']) {
    it(`decodes ${name} with rows top-down and channels in RGB order`, async () => {
      const bitmap = decodeBmp(await readFile(new URL(name, COLORS)));
      const corners = expected.pixels[name];
      assert.ok(corners);
      assert.deepEqual([bitmap.width, bitmap.height], corners.size);
      assert.deepEqual(pixelAt(bitmap, 0, 0), corners.top_left);
      assert.deepEqual(pixelAt(bitmap, bitmap.width - 1, bitmap.height - 1), corners.bottom_right);
      assert.equal(bitmap.data.length, bitmap.width * bitmap.height * bitmap.channels);
    });
  }

  it('keeps the alpha channel only when a bitfield mask declares one', async () => {
    assert.equal(decodeBmp(await readFile(new URL('blue-bitfields.bmp', COLORS))).channels, 4);
    assert.equal(decodeBmp(await readFile(new URL('red-32bit-topdown.bmp', COLORS))).channels, 3);
  });

  it('refuses palette images, truncated data and non-BMP bytes with a reason', async () => {
    const bytes = Buffer.from(await readFile(new URL('green-24bit.bmp', COLORS)));
    const palette = Buffer.from(bytes);
    palette.writeUInt16LE(8, 28);
    assert.throws(() => decodeBmp(palette), /BMP with 8 bits per pixel and compression 0 is not supported/);
    assert.throws(() => decodeBmp(bytes.subarray(0, bytes.length - 10)), /BMP pixel data is truncated/);
    assert.throws(() => decodeBmp(Buffer.from('GIF89a'.padEnd(64, '\0'))), /Not a BMP file/);
  });
});
