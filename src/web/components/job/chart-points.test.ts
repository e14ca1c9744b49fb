/** The throughput chart's points: logged progress, then only the live samples that show a change. */
// The studio's program has browser types only; this test runs under node --test like the server's.
/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartPoints } from './chart-points.ts';

const START = '2026-12-04T10:00:00.000Z';
const at = (second: number) => new Date(Date.parse(START) + second * 1000).toISOString();
const logged = (second: number, items: number, rows: number) => ({
  time: at(second),
  miniBatchesDone: items,
  miniBatchesTotal: 4,
  itemsSucceeded: items,
  itemsFailed: 0,
  itemsTotal: 4,
  rows,
});

test("a finished job opened later ends at its last logged point, not at the viewer's moment", () => {
  const history = [logged(1, 2, 200), logged(2, 4, 400)];
  const opened = { at: Date.parse(START) + 60_000, items: 4, rows: 400 };
  const points = chartPoints(history, [opened], START);
  assert.deepEqual(
    points.map((p) => p.second),
    [0, 1, 2],
  );
  assert.equal(points.at(-1)?.rowsPerSecond, 200);
});

test('a live sample that moved is drawn after the log, with the rate since the last point', () => {
  const history = [logged(1, 2, 200)];
  const moved = { at: Date.parse(START) + 3000, items: 3, rows: 300 };
  const points = chartPoints(history, [moved], START);
  assert.deepEqual(points.at(-1), { second: 3, items: 3, rows: 300, rowsPerSecond: 50 });
});
