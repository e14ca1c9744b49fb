/**
 * One firing of a schedule: claim the occurrence, then start its job. The claim is a store insert keyed
 * by schedule and scheduled time, which returns false for every server but one, so an occurrence starts
 * one job however many servers watch it. The job's name is derived from the same key
 * (`{schedule}-{yyyyMMddTHHmmZ}`, UTC), which makes finishing a claim whose server died between the claim
 * and the job (kill -9) safe to retry: a second start of the same job is refused by the job store.
 */
import { ConflictError } from '../../core/errors.ts';
import type { Actor } from '../../core/resources.ts';
import { isObject, type Json } from '../../core/wire-values.ts';
import type { ResourceRepository } from '../../store/contract.ts';
import { expandPlaceholders, placeholderValues } from './placeholders.ts';
import type { ScheduleRecord } from './schedule-body.ts';
import { FIRING_KIND } from './schedule-service.ts';

export const SCHEDULE_TAG = 'nightshift.schedule';
export const SCHEDULED_TIME_TAG = 'nightshift.scheduledTime';

export interface FiringRecord {
  schedule: string;
  scheduledTime: string;
  state: 'Claimed' | 'Started' | 'Failed';
  job: string;
  error?: string;
  claimedBy: string;
  claimedAt: string;
}

export interface FiringDeps {
  repo: ResourceRepository;
  invoke(
    endpoint: string,
    body: unknown,
    deployment: string | undefined,
    actor: Actor,
  ): Promise<{ name: string }>;
  jobExists(name: string): Promise<boolean>;
  /** This server, in the claim, for whoever reads the store after a crash. */
  server: string;
  now(): Date;
  onError(schedule: string, scheduledTime: string, error: unknown): void;
}

export function firingKey(schedule: string, scheduledMs: number): { scope: string; name: string } {
  return { scope: schedule.toLowerCase(), name: new Date(scheduledMs).toISOString() };
}

export function firingJobName(schedule: string, scheduledMs: number): string {
  const stamp = new Date(scheduledMs).toISOString().slice(0, 16).replace(/[-:]/g, '');
  return `${schedule}-${stamp}Z`;
}

/** The invocation body of one occurrence: placeholders expanded, the job named and tagged. */
function firingBody(schedule: ScheduleRecord, scheduledMs: number): Json {
  const values = placeholderValues(scheduledMs, schedule.trigger.timeZone, schedule.name);
  const properties = expandPlaceholders(schedule.invocation.properties, values);
  const tagsKey = Object.keys(properties).find((k) => k.toLowerCase() === 'tags');
  const ownTags = tagsKey !== undefined && isObject(properties[tagsKey]) ? properties[tagsKey] : {};
  const rest = Object.fromEntries(Object.entries(properties).filter(([k]) => k !== tagsKey));
  return {
    properties: {
      description: `Started by schedule '${schedule.name}' for ${new Date(scheduledMs).toISOString()}.`,
      ...rest,
      name: firingJobName(schedule.name, scheduledMs),
      tags: {
        ...ownTags,
        [SCHEDULE_TAG]: schedule.name,
        [SCHEDULED_TIME_TAG]: new Date(scheduledMs).toISOString(),
      },
    },
  };
}

/** Starts the claimed occurrence's job (or finds it started) and records the outcome on the claim. */
export async function completeFiring(
  deps: FiringDeps,
  schedule: ScheduleRecord,
  firing: FiringRecord,
): Promise<FiringRecord> {
  const scheduledMs = Date.parse(firing.scheduledTime);
  let done: FiringRecord;
  try {
    const { endpointName, deploymentName } = schedule.invocation;
    await deps.invoke(endpointName, firingBody(schedule, scheduledMs), deploymentName, schedule.owner);
    done = { ...firing, state: 'Started' };
  } catch (error) {
    if (error instanceof ConflictError && (await deps.jobExists(firing.job))) {
      done = { ...firing, state: 'Started' };
    } else {
      deps.onError(schedule.name, firing.scheduledTime, error);
      done = { ...firing, state: 'Failed', error: error instanceof Error ? error.message : String(error) };
    }
  }
  await deps.repo.replace(FIRING_KIND, firingKey(schedule.name, scheduledMs), done);
  return done;
}

/** Claims and fires one occurrence; undefined when another server (or an earlier run) claimed it first. */
export async function fireOccurrence(
  deps: FiringDeps,
  schedule: ScheduleRecord,
  scheduledMs: number,
): Promise<FiringRecord | undefined> {
  const firing: FiringRecord = {
    schedule: schedule.name,
    scheduledTime: new Date(scheduledMs).toISOString(),
    state: 'Claimed',
    job: firingJobName(schedule.name, scheduledMs),
    claimedBy: deps.server,
    claimedAt: deps.now().toISOString(),
  };
  if (!(await deps.repo.insert(FIRING_KIND, firingKey(schedule.name, scheduledMs), firing))) return undefined;
  return completeFiring(deps, schedule, firing);
}
