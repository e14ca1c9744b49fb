import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSplitSize, parseRangeRef, parseSplitSize, rangeRef } from './row-ranges.ts';

describe('mini_batch_size as a size or a row count', () => {
  it('reads sizes in powers of 1024 and row counts, in any case and spacing', () => {
    assert.deepEqual(parseSplitSize('64MB'), { unit: 'bytes', count: 64 * 1024 ** 2 });
    assert.deepEqual(parseSplitSize(' 64 mb '), { unit: 'bytes', count: 64 * 1024 ** 2 });
    assert.deepEqual(parseSplitSize('2GB'), { unit: 'bytes', count: 2 * 1024 ** 3 });
    assert.deepEqual(parseSplitSize('10 KB'), { unit: 'bytes', count: 10240 });
    assert.deepEqual(parseSplitSize('100000 rows'), { unit: 'rows', count: 100000 });
    assert.deepEqual(parseSplitSize('1 row'), { unit: 'rows', count: 1 });
    for (const bad of ['64', '0MB', '0 rows', '64 TB', '1.5MB', 'rows', '-1 rows']) {
      assert.equal(parseSplitSize(bad), undefined, bad);
    }
  });

  it('has one spelling for the views', () => {
    assert.equal(formatSplitSize(' 064 mb'), '64MB');
    assert.equal(formatSplitSize('1000 Rows'), '1000 rows');
    assert.equal(formatSplitSize('12'), undefined);
  });
});

describe('range entries', () => {
  it('round-trip, and a path without that exact fragment stays a path', () => {
    const bytes = { kind: 'bytes' as const, start: 10, end: 99, firstRow: 3 };
    assert.equal(rangeRef('a/b.csv', bytes), 'a/b.csv#bytes=10-99&row=3');
    assert.deepEqual(parseRangeRef('a/b.csv#bytes=10-99&row=3'), { path: 'a/b.csv', range: bytes });
    const rows = { kind: 'rows' as const, start: 0, end: 200 };
    assert.deepEqual(parseRangeRef(rangeRef('x#y.parquet', rows)), { path: 'x#y.parquet', range: rows });
    for (const plain of ['a/b#1.csv', 'a.csv#bytes=1-2', 'a.csv#rows=5-1', 'a.csv#bytes=9-2&row=0']) {
      assert.deepEqual(parseRangeRef(plain), { path: plain }, plain);
    }
  });
});
