/**
 * Reading a schedule's ARM body and expanding its placeholders: the wall time of the scheduled instant in
 * the schedule's zone, the trigger read in either case, and the refusals that name the field to fix.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../core/errors.ts';
import { checkPlaceholders, expandPlaceholders, placeholderValues } from './placeholders.ts';
import { readScheduleBody } from './schedule-body.ts';
import { readScheduleTrigger } from './schedule-trigger.ts';

const input = {
  InputData: { data: { JobInputType: 'UriFolder', Uri: 'azureml://datastores/workspaceblobstore/paths/in' } },
};
const body = (properties: Record<string, unknown>, action?: unknown) => ({
  properties: {
    trigger: { triggerType: 'Cron', expression: '0 2 * * *' },
    action: action ?? {
      actionType: 'InvokeBatchEndpoint',
      endpointInvocationDefinition: { endpointName: 'e', properties: properties },
    },
  },
});

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    return error;
  }
  assert.fail('expected a ValidationError');
}

describe('schedule placeholders', () => {
  it('take the scheduled wall time in the schedule zone', () => {
    const values = placeholderValues(Date.UTC(2026, 6, 1, 0, 30), 'W. Europe Standard Time', 'nightly');
    assert.deepEqual(
      expandPlaceholders({ a: ['out/{date}/{time}-{schedule}.csv', '{datetime}'], n: 1 }, values),
      { a: ['out/2026-07-01/02-30-nightly.csv', '20260701T0230'], n: 1 },
    );
    assert.equal(placeholderValues(Date.UTC(2026, 0, 1), 'UTC', 's').date, '2026-01-01');
  });

  it('refuse an unknown placeholder, naming the field and the known ones', () => {
    const error = refusal(() => {
      checkPlaceholders({ OutputData: { s: { Uri: 'x/{when}.csv' } } }, 'p');
    });
    assert.equal(error.field, 'p.OutputData.s.Uri');
    assert.match(error.message, /\{when\}.*\{date\}/);
  });
});

describe('schedule body', () => {
  it('reads the trigger in camelCase or snake_case into one shape, enabled by default', () => {
    const read = readScheduleBody(body(input), 'nightly');
    assert.equal(read.isEnabled, true);
    assert.deepEqual(read.trigger, { triggerType: 'Cron', expression: '0 2 * * *', timeZone: 'UTC' });
    assert.deepEqual(
      readScheduleTrigger(
        {
          type: 'recurrence',
          frequency: 'day',
          interval: 1,
          schedule: { hours: [2], week_days: ['monday'] },
          time_zone: 'UTC',
        },
        't',
      ),
      {
        triggerType: 'Recurrence',
        frequency: 'Day',
        interval: 1,
        schedule: { hours: [2], weekDays: ['monday'] },
        timeZone: 'UTC',
      },
    );
  });

  it('names a refused time zone or start the way the caller spelled it', () => {
    const zone = 'Mars/Olympus';
    const rest = refusal(() =>
      readScheduleTrigger(
        { triggerType: 'Cron', expression: '0 2 * * *', timeZone: zone },
        'properties.trigger',
      ),
    );
    assert.equal(rest.field, 'properties.trigger.timeZone');
    assert.match(rest.message, /^properties\.trigger\.timeZone: /);
    const yaml = refusal(() =>
      readScheduleTrigger({ type: 'cron', expression: '0 2 * * *', time_zone: zone }, 'trigger'),
    );
    assert.equal(yaml.field, 'trigger.time_zone');
    const start = refusal(() =>
      readScheduleTrigger(
        { triggerType: 'Cron', expression: '0 2 * * *', startTime: 'soon' },
        'properties.trigger',
      ),
    );
    assert.match(start.message, /startTime/);
    assert.doesNotMatch(start.message, /start_time/);
  });

  it('refuses what no firing could use, naming the field', () => {
    assert.equal(
      refusal(() => readScheduleBody(body({ ...input, name: 'fixed' }), 's')).field,
      'properties.action.endpointInvocationDefinition.properties.name',
    );
    assert.equal(
      refusal(() => readScheduleBody(body(input, { actionType: 'CreateJob' }), 's')).field,
      'properties.action.actionType',
    );
    assert.match(refusal(() => readScheduleBody(body({}), 's')).message, /InputData/);
    assert.equal(
      refusal(() => readScheduleTrigger({ triggerType: 'Recurrence', frequency: 'Fortnight' }, 't')).field,
      't.frequency',
    );
  });
});
