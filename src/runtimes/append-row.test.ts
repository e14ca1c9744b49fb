import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  countItems,
  formatLines,
  ScoringResultTypeError,
  toScoringResult,
  type ScoringResult,
} from './append-row.ts';

function text(result: ScoringResult): string {
  return [...formatLines(result)].join('');
}

void test('an array writes one str()-like line per element', () => {
  const result = toScoringResult(['a b', 1, 2.5, true, null, undefined, { k: 'v' }, [1, 2]]);
  assert.equal(text(result), 'a b\n1\n2.5\ntrue\nNone\nNone\n{"k":"v"}\n[1,2]\n');
});

void test('a table writes space-separated rows with no header and minimal quoting', () => {
  const result = toScoringResult({
    columns: ['file', 'score', 'note'],
    rows: [
      ['a.csv', 0.5, 'plain'],
      ['b c.csv', 1, 'say "hi"'],
      ['d.csv', null, 'two\nlines'],
      ['e.csv', false, { x: 1 }],
      ['f.csv', NaN, new Date(Date.UTC(2026, 0, 2))],
    ],
  });
  assert.equal(
    text(result),
    'a.csv 0.5 plain\n"b c.csv" 1 "say ""hi"""\nd.csv  "two\nlines"\ne.csv false "{""x"":1}"\n' +
      'f.csv  2026-01-02T00:00:00.000Z\n',
  );
});

void test('a single empty field is quoted so the row is not blank', () => {
  const result = toScoringResult({ columns: ['x'], rows: [[''], ['y']] });
  assert.equal(text(result), '""\ny\n');
});

void test('anything but an array or a table is a typed error with Azure-like wording', () => {
  for (const [value, type] of [
    [42, 'number'],
    ['text', 'string'],
    [null, 'null'],
    [undefined, 'undefined'],
    [{ columns: ['a'] }, 'Object'],
    [new Map(), 'Map'],
  ] as const) {
    assert.throws(
      () => toScoringResult(value),
      (error: unknown) =>
        error instanceof ScoringResultTypeError &&
        error.message ===
          'The run() method in the entry script accepts and should return an array or a table ({columns, rows}). ' +
            `The actual type of output is ${type}.`,
    );
  }
});

void test("Azure's count rule caps succeeded at the mini-batch size", () => {
  assert.deepEqual(countItems(3, 3), { succeeded: 3, failed: 0 });
  assert.deepEqual(countItems(2, 3), { succeeded: 2, failed: 1 });
  assert.deepEqual(countItems(0, 3), { succeeded: 0, failed: 3 });
  assert.deepEqual(countItems(5, 3), { succeeded: 3, failed: 0 });
});
