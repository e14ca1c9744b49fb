import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { readImageTensor, type ImageTensorOptions } from './image-reader.ts';
import { InputFileError } from './input-error.ts';

// A 3×2 RGB image whose every value is distinct, so layout mistakes show up.
const WIDTH = 3;
const HEIGHT = 2;
const PIXELS = Buffer.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180]);
const NHWC = { layout: 'NHWC', channels: 3 } as const satisfies ImageTensorOptions;
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nightshift-images-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function imageFile(name: string, encode: (image: Sharp) => Sharp, pixels = PIXELS): Promise<string> {
  const path = join(dir, name);
  await encode(sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })).toFile(path);
  return path;
}

describe('readImageTensor', () => {
  it('keeps NHWC order as decoded and transposes to NCHW planes', async () => {
    const path = await imageFile('exact.png', (image) => image.png());
    const nhwc = await readImageTensor(path, NHWC);
    assert.deepEqual([...nhwc.data], [...PIXELS]);
    assert.deepEqual([nhwc.row, nhwc.width, nhwc.height, nhwc.channels], [0, WIDTH, HEIGHT, 3]);
    const nchw = await readImageTensor(path, { ...NHWC, layout: 'NCHW' });
    const planes = [0, 1, 2].flatMap((c) => [...PIXELS].filter((_, i) => i % 3 === c));
    assert.deepEqual([...nchw.data], planes);
  });

  it('scales to 0..1 or -1..1 and applies mean and std per channel', async () => {
    const path = await imageFile('scaled.png', (image) => image.png());
    const unit = await readImageTensor(path, { ...NHWC, scale: 'unit' });
    assert.ok(Math.abs((unit.data[0] ?? 0) - 10 / 255) < 1e-6);
    const symmetric = await readImageTensor(path, { ...NHWC, scale: 'symmetric' });
    assert.ok(Math.abs((symmetric.data[17] ?? 0) - (180 / 127.5 - 1)) < 1e-6);
    const normalised = await readImageTensor(path, { ...NHWC, mean: [10, 20, 30], std: [2, 4, 5] });
    assert.deepEqual([...normalised.data.subarray(0, 6)], [0, 0, 0, 15, 7.5, 6]);
  });

  it('resizes by stretching and converts to 1 or 4 channels', async () => {
    const path = await imageFile('resize.png', (image) => image.png());
    const resized = await readImageTensor(path, { ...NHWC, width: 8, height: 5 });
    assert.deepEqual([resized.width, resized.height, resized.data.length], [8, 5, 8 * 5 * 3]);
    const gray = await readImageTensor(path, { layout: 'NCHW', channels: 1 });
    assert.equal(gray.data.length, WIDTH * HEIGHT);
    const rgba = await readImageTensor(path, { layout: 'NHWC', channels: 4 });
    assert.deepEqual([...rgba.data.subarray(0, 4)], [10, 20, 30, 255]);
  });

  it('decodes JPEG, GIF and TIFF (first frame) written by sharp', async () => {
    const red = Buffer.alloc(WIDTH * HEIGHT * 3);
    for (let i = 0; i < red.length; i += 3) red.set([220, 20, 30], i);
    const files = [
      await imageFile('red.jpg', (image) => image.jpeg({ quality: 95 }), red),
      await imageFile('red.jpeg', (image) => image.jpeg({ quality: 95 }), red),
      await imageFile('red.gif', (image) => image.gif(), red),
      await imageFile('red.tiff', (image) => image.tiff({ compression: 'lzw' }), red),
    ];
    for (const file of files) {
      const tensor = await readImageTensor(file, NHWC);
      const [r = 0, g = 0, b = 0] = tensor.data;
      assert.ok(Math.abs(r - 220) < 12 && g < 40 && b < 50, `${file}: ${r},${g},${b}`);
    }
  });

  it('decodes the BMP fixtures through the in-house decoder', async () => {
    const path = new URL('../../../fixtures/data/colors/green-24bit.bmp', import.meta.url).pathname;
    const tensor = await readImageTensor(path, { ...NHWC, width: 4, height: 4 });
    const means = [0, 1, 2].map(
      (c) => tensor.data.filter((_, i) => i % 3 === c).reduce((a, v) => a + v, 0) / 16,
    );
    assert.ok((means[1] ?? 0) > (means[0] ?? 0) && (means[1] ?? 0) > (means[2] ?? 0));
  });

  it('fails a corrupt file with an InputFileError naming it', async () => {
    const path = join(dir, 'broken.png');
    await writeFile(
      path,
      (await readFile(await imageFile('good.png', (image) => image.png()))).subarray(0, 20),
    );
    const error = await readImageTensor(path, NHWC).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof InputFileError);
    assert.match(error.message, /^Error processing input file: '.*broken\.png'\. Cannot decode the image: /);
  });
});
