import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../../client.ts';
import { sinceTime } from './audit-commands.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');

void describe('sinceTime', () => {
  void it('counts an age back from now, in any unit', () => {
    assert.equal(sinceTime('30m', NOW), '2026-03-01T11:30:00.000Z');
    assert.equal(sinceTime('1h', NOW), '2026-03-01T11:00:00.000Z');
    assert.equal(sinceTime('2D', NOW), '2026-02-27T12:00:00.000Z');
    assert.equal(sinceTime('1w', NOW), '2026-02-22T12:00:00.000Z');
    assert.equal(sinceTime('45s', NOW), '2026-03-01T11:59:15.000Z');
  });

  void it('passes a date through as ISO UTC', () => {
    assert.equal(sinceTime('2026-01-31T12:00:00+01:00', NOW), '2026-01-31T11:00:00.000Z');
  });

  void it('refuses anything else as a usage error', () => {
    assert.throws(
      () => sinceTime('yesterday', NOW),
      (error: unknown) =>
        error instanceof CliError &&
        error.exitCode === 2 &&
        /argument --since: 'yesterday'/.test(error.message),
    );
    assert.throws(() => sinceTime('5y', NOW), /argument --since/);
  });
});
