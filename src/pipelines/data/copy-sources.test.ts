import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sinkPaths, wildcardPattern } from './copy-sources.ts';

void describe("Copy's file selection and naming", () => {
  it('matches wildcards as Data Factory does: * any run, ? one character, never across folders', () => {
    assert.equal(wildcardPattern('*.csv').test('a.csv'), true);
    assert.equal(wildcardPattern('*.csv').test('a.csv.bak'), false);
    assert.equal(wildcardPattern('?.csv').test('ab.csv'), false);
    assert.equal(wildcardPattern('in/s*').test('in/sub'), true);
    assert.equal(wildcardPattern('in/s*').test('in/sub/deep'), false);
    assert.equal(wildcardPattern('a+b(1).csv').test('a+b(1).csv'), true);
  });

  it('names sink files by copyBehavior', () => {
    const files = [
      { path: 'in/a.csv', relative: 'a.csv', size: 1 },
      { path: 'in/sub/c.csv', relative: 'sub/c.csv', size: 1 },
    ];
    const sink = { folderPath: 'out', fileName: '', runId: 'r1' };
    assert.deepEqual(sinkPaths(files, 'PreserveHierarchy', sink), ['out/a.csv', 'out/sub/c.csv']);
    assert.deepEqual(sinkPaths(files, 'FlattenHierarchy', sink), ['out/a.csv', 'out/c.csv']);
    assert.deepEqual(sinkPaths(files, 'MergeFiles', sink), ['out/data_r1.txt']);
    assert.deepEqual(sinkPaths(files, 'MergeFiles', { ...sink, fileName: 'all.csv' }), ['out/all.csv']);
  });
});
