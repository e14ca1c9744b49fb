import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ticksFromParts, type Timestamp } from './calendar.ts';
import { formatTimestamp } from './format-timestamp.ts';

const utc: Timestamp = { ticks: ticksFromParts(2018, 1, 2, 15, 4, 5, 1_230_000), kind: 'utc' };
const local: Timestamp = { ticks: utc.ticks, kind: 'unspecified' };
const morning: Timestamp = { ticks: ticksFromParts(2018, 1, 2, 0, 4, 5), kind: 'utc' };

test('standard formats in en-US', () => {
  const cases: [string, string][] = [
    ['o', '2018-01-02T15:04:05.1230000Z'],
    ['O', '2018-01-02T15:04:05.1230000Z'],
    ['s', '2018-01-02T15:04:05'],
    ['u', '2018-01-02 15:04:05Z'],
    ['r', 'Tue, 02 Jan 2018 15:04:05 GMT'],
    ['d', '1/2/2018'],
    ['D', 'Tuesday, January 2, 2018'],
    ['f', 'Tuesday, January 2, 2018 3:04 PM'],
    ['F', 'Tuesday, January 2, 2018 3:04:05 PM'],
    ['g', '1/2/2018 3:04 PM'],
    ['G', '1/2/2018 3:04:05 PM'],
    ['M', 'January 2'],
    ['t', '3:04 PM'],
    ['T', '3:04:05 PM'],
    ['y', 'January 2018'],
  ];
  for (const [format, text] of cases) assert.equal(formatTimestamp(utc, format), text, format);
  assert.equal(formatTimestamp(local, 'o'), '2018-01-02T15:04:05.1230000');
});

test('custom specifiers, literals and escapes', () => {
  const cases: [Timestamp, string, string][] = [
    [utc, 'yyyy-MM-dd', '2018-01-02'],
    [utc, 'yyyy-dd-MM', '2018-02-01'],
    [utc, 'yyyyMMddHHmmss', '20180102150405'],
    [utc, 'yy/M/d h:m:s', '18/1/2 3:4:5'],
    [utc, 'ddd dddd MMM MMMM', 'Tue Tuesday Jan January'],
    [utc, 'HH:mm:ss.fff', '15:04:05.123'],
    [utc, 'HH:mm:ss.FFFFFFF', '15:04:05.123'],
    [morning, 'HH:mm:ss.FFF', '00:04:05'],
    [morning, 'hh tt t', '12 AM A'],
    [utc, "'Day' d 'of' MMMM", 'Day 2 of January'],
    [utc, '"at" HH\\h', 'at 15h'],
    [utc, '%d', '2'],
    [utc, 'K zzz zz z', 'Z +00:00 +00 +0'],
    [local, 'K|', '|'],
    [utc, 'yyyy-MM-ddTHH:mm:ss', '2018-01-02T15:04:05'],
    [utc, 'gg yyyyy', 'A.D. 02018'],
  ];
  for (const [timestamp, format, text] of cases)
    assert.equal(formatTimestamp(timestamp, format), text, format);
});

test('invalid formats give undefined', () => {
  for (const format of ['Q', 'ffffffff', "'open", '\\'])
    assert.equal(formatTimestamp(utc, format), undefined, format);
});
