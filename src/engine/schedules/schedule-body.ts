/**
 * An endpoint schedule as stored, and the ARM PUT body it is read from: `properties.displayName`,
 * `description`, `tags`, `isEnabled`, `trigger` (schedule-trigger.ts) and `action` of `actionType`
 * InvokeBatchEndpoint, whose `endpointInvocationDefinition` is `{endpointName, deploymentName?,
 * properties}` where `properties` is the body a scoring-URI invocation takes (InputData, OutputData, ...)
 * with placeholders (placeholders.ts). The invocation is checked here by the job service's own reader,
 * expanded for a sample time, so a schedule that could never start a job is a 400 at creation, not a
 * failure at 2 a.m.
 */
import { ValidationError } from '../../core/errors.ts';
import { optionalDescription, tagMap } from '../../core/limits.ts';
import { checkAssetName } from '../../core/names.ts';
import type { Actor, SystemData } from '../../core/resources.ts';
import { isObject, optionalString, prop, scalarText, type Json } from '../../core/wire-values.ts';
import { readJobRequest } from '../invocation.ts';
import { checkPlaceholders, expandPlaceholders, placeholderValues } from './placeholders.ts';
import { readScheduleTrigger, type ScheduleTrigger } from './schedule-trigger.ts';

export const INVOKE_ACTION = 'InvokeBatchEndpoint';

export interface ScheduleInvocation {
  endpointName: string;
  /** Absent: the endpoint's default deployment at each firing. */
  deploymentName?: string;
  /** The invocation body's `properties`, placeholders unexpanded. */
  properties: Json;
}

export interface ScheduleRecord {
  name: string;
  displayName: string;
  description: string;
  tags: Record<string, string>;
  isEnabled: boolean;
  trigger: ScheduleTrigger;
  invocation: ScheduleInvocation;
  /** Occurrences count from here: creation, or the last time it was enabled (ISO). */
  activeSince: string;
  /** Whom the fired jobs run as: the identity that last created or changed the schedule. */
  owner: Actor;
  systemData: SystemData;
}

export interface ScheduleDefinition {
  displayName: string;
  description: string;
  tags: Record<string, string>;
  isEnabled: boolean;
  trigger: ScheduleTrigger;
  invocation: ScheduleInvocation;
}

/** Schedule names become part of job names (`{schedule}-{datetime}`), so they leave room for the stamp. */
export function checkScheduleName(name: string): string {
  checkAssetName(name, 'name');
  if (name.length > 200)
    throw new ValidationError(
      `Schedule name '${name.slice(0, 40)}...' is longer than 200 characters.`,
      'name',
    );
  return name;
}

function readInvocation(action: unknown, scheduleName: string): ScheduleInvocation {
  const field = 'properties.action';
  if (!isObject(action))
    throw new ValidationError(
      `'${field}' is required: {"actionType": "${INVOKE_ACTION}", "endpointInvocationDefinition": {...}}.`,
      field,
    );
  const type = scalarText(prop(action, 'actionType'));
  if (type.toLowerCase() !== INVOKE_ACTION.toLowerCase())
    throw new ValidationError(
      `'${field}.actionType' must be ${INVOKE_ACTION}; got '${type}'.`,
      `${field}.actionType`,
    );
  const defField = `${field}.endpointInvocationDefinition`;
  const def = prop(action, 'endpointInvocationDefinition');
  if (!isObject(def))
    throw new ValidationError(
      `'${defField}' is required: {"endpointName": "...", "properties": {"InputData": {...}}}.`,
      defField,
    );
  const endpointName = optionalString(prop(def, 'endpointName'), `${defField}.endpointName`);
  if (!endpointName)
    throw new ValidationError(
      `'${defField}.endpointName' names the batch endpoint to invoke.`,
      `${defField}.endpointName`,
    );
  const deploymentName =
    optionalString(prop(def, 'deploymentName'), `${defField}.deploymentName`) || undefined;
  const properties = prop(def, 'properties');
  if (!isObject(properties))
    throw new ValidationError(
      `'${defField}.properties' is the invocation body's properties (InputData, OutputData).`,
      `${defField}.properties`,
    );
  if (prop(properties, 'name') !== undefined)
    throw new ValidationError(
      `'${defField}.properties.name' cannot be set: each firing names its job '{schedule}-{datetime}'.`,
      `${defField}.properties.name`,
    );
  checkPlaceholders(properties, `${defField}.properties`);
  // The job service's reader on a sample expansion: the same 400s an invocation would get, now.
  readJobRequest({
    properties: expandPlaceholders(properties, placeholderValues(Date.now(), 'UTC', scheduleName)),
  });
  return { endpointName, ...(deploymentName ? { deploymentName } : {}), properties };
}

function readEnabled(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'boolean') return value;
  const text = scalarText(value).toLowerCase();
  if (text === 'true' || text === 'false') return text === 'true';
  throw new ValidationError(`'properties.isEnabled' must be true or false.`, 'properties.isEnabled');
}

export function readScheduleBody(body: unknown, name: string): ScheduleDefinition {
  const props = prop(body, 'properties');
  if (!isObject(props))
    throw new ValidationError(`The request body needs a 'properties' object.`, 'properties');
  return {
    displayName: optionalString(prop(props, 'displayName'), 'properties.displayName') ?? name,
    description: optionalDescription(prop(props, 'description'), 'properties.description') ?? '',
    tags: tagMap(prop(props, 'tags') ?? prop(body, 'tags'), 'properties.tags'),
    isEnabled: readEnabled(prop(props, 'isEnabled')),
    trigger: readScheduleTrigger(prop(props, 'trigger'), 'properties.trigger'),
    invocation: readInvocation(prop(props, 'action'), name),
  };
}
