import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProgressLine, progressHistory } from './progress-history.ts';

const line = (time: string, done: number, ok: number, rows?: number) =>
  `${time} mini-batches: ${done}/10 processed (succeeded ${done}, failed 0, running 1, pending ${9 - done}); ` +
  `items succeeded ${ok}, failed 1 of 40${rows === undefined ? '' : `; rows ${rows}`}`;

test('a progress line gives its counts; rows are null on a line that has none', () => {
  assert.deepEqual(parseProgressLine(line('2026-12-04T10:00:00.000Z', 3, 12, 24)), {
    time: '2026-12-04T10:00:00.000Z',
    miniBatchesDone: 3,
    miniBatchesTotal: 10,
    itemsSucceeded: 12,
    itemsFailed: 1,
    itemsTotal: 40,
    rows: 24,
  });
  assert.equal(parseProgressLine(line('2026-12-04T10:00:00.000Z', 3, 12))?.rows, null);
  assert.equal(parseProgressLine('2026-12-04T10:00:00.000Z mini-batches: 3/1'), undefined, 'a torn line');
  assert.equal(parseProgressLine(line('yesterday', 1, 1)), undefined);
});

test('the history reads every overview file in time order and thins a long one, keeping both ends', async () => {
  const files: Record<string, string> = {
    'job_progress_overview.20261205.txt': `${line('2026-12-05T00:00:01.000Z', 9, 36, 36)}\n`,
    'job_progress_overview.20261204.txt': [1, 2, 3, 4, 5, 6, 7, 8]
      .map((i) => line(`2026-12-04T23:59:5${i}.000Z`, i, i * 4, i * 4))
      .join('\n'),
    'job_result.txt': 'Completed\n',
  };
  const logs = {
    list: () => Promise.resolve(Object.keys(files).map((path) => ({ path }))),
    read: (_job: string, path: string) => Promise.resolve(files[path] ?? ''),
  };
  const all = await progressHistory(logs, 'j');
  assert.deepEqual(
    all.map((p) => p.miniBatchesDone),
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  const thinned = await progressHistory(logs, 'j', 3);
  assert.deepEqual(
    thinned.map((p) => p.miniBatchesDone),
    [1, 5, 9],
  );
});
