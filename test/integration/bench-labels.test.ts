/**
 * `npm run bench`'s sections are lettered (a)..(h) in three places that drift apart when a section is
 * added or moved: run.ts's list and its `bench.section('(x) ...')` calls, the `(x)` heading a section
 * prints on stdout, and the `(x)` that opens its module's doc comment. Read as text, so nothing runs.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '../helpers/repo.ts';

const BENCH = join(REPO_ROOT, 'bench');
const read = (file: string) => readFileSync(join(BENCH, file), 'utf8');
const lettersOf = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].map((m) => m[1]);

void describe('bench section labels', () => {
  test('run.ts lists its sections (a), (b), ... without a gap and runs them in that order, each printing its own heading', () => {
    const run = read('run.ts');
    const listed = lettersOf(run, /^ \* {3}\(([a-z])\) /gm);
    const consecutive = listed.map((_, i) => String.fromCharCode('a'.charCodeAt(0) + i));
    assert.ok(listed.length >= 14, 'the sections up to (n) are listed');
    assert.deepEqual(listed, consecutive);
    assert.deepEqual(lettersOf(run, /bench\.section\('\(([a-z])\) /g), listed);
    const printed = readdirSync(BENCH)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) => lettersOf(read(file), /console\.log\(\s*[`'"]\\n\(([a-z])\) /g));
    assert.deepEqual(printed.sort(), listed, 'each section prints one heading "(x) ..."');
  });

  test("a section module's doc comment opens with the letter its heading prints", () => {
    for (const file of readdirSync(BENCH).filter((f) => f.endsWith('.ts') && f !== 'run.ts')) {
      const text = read(file);
      const printed = lettersOf(text, /console\.log\(\s*[`'"]\\n\(([a-z])\) /g);
      if (printed.length === 0) continue; // a helper module, not a section
      assert.deepEqual(lettersOf(text, /^\/\*\*\n \* \(([a-z])\) /g), printed, `bench/${file}`);
    }
  });
});
