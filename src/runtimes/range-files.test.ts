import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { materializeRanges } from './range-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'nightshift-range-files-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('range entries materialized for a scoring script', () => {
  const csv = 'id,note\n1,"a\nb"\n2,plain\n3,"x,y"\n';
  const csvPath = join(dir, 'big.csv');
  writeFileSync(csvPath, csv);
  const second = csv.indexOf('2,plain');

  it('a CSV range is the header plus its bytes, named as the file, one folder per entry', async () => {
    const scratch = join(dir, 'scratch-csv');
    const batch = await materializeRanges(
      [`${csvPath}#bytes=8-${second}&row=0`, `${csvPath}#bytes=${second}-${csv.length}&row=1`],
      scratch,
    );
    const [first, rest] = batch.files as [string, string];
    assert.equal(basename(first), 'big.csv');
    assert.equal(basename(rest), 'big.csv');
    assert.notEqual(dirname(first), dirname(rest));
    assert.equal(readFileSync(first, 'utf8'), 'id,note\n1,"a\nb"\n');
    assert.equal(readFileSync(rest, 'utf8'), 'id,note\n2,plain\n3,"x,y"\n');
    assert.equal(batch.entryOf(rest), `${csvPath}#bytes=${second}-${csv.length}&row=1`);
    await batch.cleanup();
    assert.deepEqual(readdirSync(scratch), []);
    assert.equal(existsSync(first), false);
  });

  it('a JSONL range is its bytes alone; plain paths pass through untouched', async () => {
    const jsonl = join(dir, 'rows.jsonl');
    writeFileSync(jsonl, '{"a":1}\n{"a":2}\n{"a":3}\n');
    const batch = await materializeRanges([`${jsonl}#bytes=8-24&row=1`, csvPath], join(dir, 'scratch-j'));
    assert.equal(readFileSync(batch.files[0] ?? '', 'utf8'), '{"a":2}\n{"a":3}\n');
    assert.equal(batch.files[1], csvPath);
    assert.equal(batch.entryOf(csvPath), csvPath);
    await batch.cleanup();
  });

  it('a Parquet row range is refused with the fix, leaving nothing behind', async () => {
    const scratch = join(dir, 'scratch-p');
    await assert.rejects(
      materializeRanges(
        [`${csvPath}#bytes=8-${second}&row=0`, `${join(dir, 'x.parquet')}#rows=0-10`],
        scratch,
      ),
      /Parquet row range.*number of files/,
    );
    assert.deepEqual(readdirSync(scratch), []);
  });
});
