/**
 * Section (k)'s dispatch input: N one-line files (cached by count beside the tabular input, with a
 * marker beside the folder as data.ts does) and the trivial JavaScript scoring script that scores them,
 * in a code folder of its own, so the job's time is the engine's, not the model's.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const SCRIPT = `import { basename } from 'node:path';
export function run(miniBatch) {
  return miniBatch.map((file) => basename(file));
}
`;

export async function makeOneLineFiles(root: string, count: number): Promise<string> {
  const folder = join(root, `dispatch-${String(count)}`);
  const marker = `${folder}.complete`;
  if (existsSync(marker)) return folder;
  await mkdir(folder, { recursive: true });
  const width = String(count - 1).length;
  for (let i = 0; i < count; i++) {
    const name = `line-${String(i).padStart(width, '0')}.txt`;
    await writeFile(join(folder, `${name}.tmp`), `line ${String(i)}\n`);
    await rename(join(folder, `${name}.tmp`), join(folder, name));
  }
  await writeFile(marker, '');
  return folder;
}

/** The folder holding `score.mjs`. */
export async function makeScript(root: string): Promise<string> {
  const folder = join(root, 'dispatch-code');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'score.mjs'), SCRIPT);
  return folder;
}
