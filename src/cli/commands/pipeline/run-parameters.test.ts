/** How `pipeline run` reads `--param` and `--parameters` into the createRun body. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../../client.ts';
import { parseParamAssignment, parseRunParameters } from './run-parameters.ts';

const noFiles = (path: string): string => {
  throw new Error(`no such file ${path}`);
};

describe('parseRunParameters', () => {
  it('sends no parameters and no text flag when none are given', () => {
    assert.deepEqual(parseRunParameters({}, noFiles), { values: {}, asText: false });
  });

  it('keeps JSON types of --parameters and marks --param values as text', () => {
    assert.deepEqual(parseRunParameters({ parameters: '{"n": 3, "flag": true}' }, noFiles), {
      values: { n: 3, flag: true },
      asText: false,
    });
    assert.deepEqual(
      parseRunParameters({ parameters: '{"n": 3, "s": "x"}', param: ['n=5', 'url=http://a/?b=c'] }, noFiles),
      { values: { n: '5', s: 'x', url: 'http://a/?b=c' }, asText: true },
    );
  });

  it('reads @file and strips a byte-order mark', () => {
    const files: Record<string, string> = { 'p.json': '\uFEFF{"seconds": 1}' };
    const read = (path: string) => files[path] ?? noFiles(path);
    assert.deepEqual(parseRunParameters({ parameters: '@p.json' }, read).values, { seconds: 1 });
  });

  it('rejects what is not a JSON object, naming the file', () => {
    assert.throws(() => parseRunParameters({ parameters: '[1]' }, noFiles), /must be a JSON object/);
    assert.throws(() => parseRunParameters({ parameters: '{x' }, noFiles), /not valid JSON/);
    assert.throws(
      () => parseRunParameters({ parameters: '@missing.json' }, noFiles),
      (error: unknown) =>
        error instanceof CliError && error.exitCode === 2 && /missing\.json/.test(error.message),
    );
  });
});

describe('parseParamAssignment', () => {
  it('splits at the first = and allows empty values', () => {
    assert.deepEqual(parseParamAssignment('a=b=c'), ['a', 'b=c']);
    assert.deepEqual(parseParamAssignment('a='), ['a', '']);
  });

  it('rejects a missing name', () => {
    assert.throws(() => parseParamAssignment('novalue'), /name=value/);
    assert.throws(() => parseParamAssignment('=1'), /name=value/);
  });
});
