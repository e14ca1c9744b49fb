/**
 * Generates the benchmark's tabular input: CSV files of 30 float columns named as the breast-cancer
 * model's signature, rows drawn from the bundled sample with multiplicative noise (so the forest takes
 * realistic paths). Files are cached in bench/.data by shape.
 */
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';

export async function makeCsvFolder(
  root: string,
  name: string,
  files: number,
  rowsPerFile: number,
  repoRoot: string,
): Promise<string> {
  const folder = join(root, `${name}-${files}x${rowsPerFile}`);
  // The marker sits beside the folder, not in it: a job reads every file at the folder's top level.
  const marker = `${folder}.complete`;
  if (existsSync(marker)) return folder;
  await mkdir(folder, { recursive: true });
  const sample = readFileSync(join(repoRoot, 'fixtures/data/breast-cancer/part-0.csv'), 'utf8')
    .trim()
    .split('\n');
  const header = sample[0] ?? '';
  const base = sample.slice(1).map((line) => line.split(',').map(Number));
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let f = 0; f < files; f++) {
    const path = join(folder, `part-${String(f).padStart(3, '0')}.csv`);
    const out = createWriteStream(`${path}.tmp`);
    out.write(`${header}\n`);
    let buffer = '';
    for (let r = 0; r < rowsPerFile; r++) {
      const row = base[Math.floor(random() * base.length)] ?? [];
      buffer += row.map((v) => (v * (0.9 + random() * 0.2)).toPrecision(5)).join(',') + '\n';
      if (buffer.length > 1 << 20) {
        if (!out.write(buffer)) await once(out, 'drain');
        buffer = '';
      }
    }
    out.end(buffer);
    await once(out, 'finish');
    await rename(`${path}.tmp`, path);
  }
  createWriteStream(marker).end();
  return folder;
}
