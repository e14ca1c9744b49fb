import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ticksFromParts } from './calendar.ts';
import { TimeZoneResolver } from './time-zones.ts';
import { WINDOWS_TO_IANA } from '../../../core/time-zones/windows-zones.ts';

test('Windows ids resolve ignoring case and punctuation; IANA ids are accepted', () => {
  const zones = new TimeZoneResolver();
  assert.equal(zones.resolve('Pacific Standard Time')?.iana, 'America/Los_Angeles');
  assert.equal(zones.resolve('w europe standard time')?.iana, 'Europe/Berlin');
  assert.equal(zones.resolve('Pacific Standard Time (Mexico)')?.iana, 'America/Tijuana');
  assert.equal(zones.resolve('UTC+12')?.iana, 'Etc/GMT-12');
  assert.equal(zones.resolve('Asia/Tokyo')?.iana, 'Asia/Tokyo');
  assert.equal(zones.resolve('UTC')?.isUtc, true);
  assert.equal(zones.resolve('Nowhere Standard Time'), undefined);
});

test('every mapped IANA zone is known to this runtime', () => {
  const zones = new TimeZoneResolver();
  for (const [windows, iana] of Object.entries(WINDOWS_TO_IANA)) {
    assert.equal(zones.resolve(iana)?.iana, iana, windows);
  }
});

test('UTC to wall clock and back, across daylight saving time', () => {
  const zones = new TimeZoneResolver();
  const pacific = zones.resolve('Pacific Standard Time');
  assert.ok(pacific);
  const winter = ticksFromParts(2024, 1, 15, 20);
  const summer = ticksFromParts(2024, 7, 15, 20);
  assert.equal(zones.fromUtc(winter, pacific), ticksFromParts(2024, 1, 15, 12));
  assert.equal(zones.fromUtc(summer, pacific), ticksFromParts(2024, 7, 15, 13));
  assert.equal(zones.toUtc(ticksFromParts(2024, 1, 15, 12), pacific), winter);
  assert.equal(zones.toUtc(ticksFromParts(2024, 7, 15, 13), pacific), summer);
  const india = zones.resolve('India Standard Time');
  assert.ok(india);
  assert.equal(zones.fromUtc(winter, india), ticksFromParts(2024, 1, 16, 1, 30));
});

test('ambiguous wall-clock times read as standard time; skipped ones use the earlier offset', () => {
  const zones = new TimeZoneResolver();
  const pacific = zones.resolve('Pacific Standard Time');
  assert.ok(pacific);
  assert.equal(zones.toUtc(ticksFromParts(2023, 11, 5, 1, 30), pacific), ticksFromParts(2023, 11, 5, 9, 30));
  assert.equal(zones.toUtc(ticksFromParts(2023, 3, 12, 2, 30), pacific), ticksFromParts(2023, 3, 12, 10, 30));
});
