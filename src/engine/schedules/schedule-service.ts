/**
 * Endpoint schedules over the store's document repository: create or replace (PUT), show, list, delete,
 * and the next firing times a user checks before trusting a schedule. Enabling and disabling are a PUT
 * with `isEnabled`, as in Azure; enabling restarts the count of occurrences from that moment, so a
 * schedule disabled for a week does not fire for the week on enable. Every change wakes the runner of
 * this server; other servers see it at their next poll.
 */
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { newSystemData, type Actor } from '../../core/resources.ts';
import type { ResourceRepository } from '../../store/contract.ts';
import type { DeploymentService } from '../../workspace/deployments.ts';
import type { EndpointService } from '../../workspace/endpoints.ts';
import type { Clock } from '../../pipelines/time/clock.ts';
import { ZoneClock } from '../../core/time-zones/zone-clock.ts';
import {
  checkScheduleName,
  readScheduleBody,
  type ScheduleDefinition,
  type ScheduleRecord,
} from './schedule-body.ts';
import { fireTimesOf } from './schedule-trigger.ts';

export const SCHEDULE_KIND = 'schedule';
export const FIRING_KIND = 'scheduleFiring';

export interface ScheduleServiceDeps {
  repo: ResourceRepository;
  endpoints: Pick<EndpointService, 'get'>;
  deployments: Pick<DeploymentService, 'get'>;
  clock: Clock;
  /** Called after every change, so the runner recomputes its next wake-up. */
  onChange: () => void;
}

export type ScheduleService = ReturnType<typeof createScheduleService>;

/** What a view shows of a schedule's last firing (the store's claim document). */
export interface LastFiring {
  scheduledTime: string;
  state: 'Claimed' | 'Started' | 'Failed';
  job: string;
  error?: string;
}

const key = (name: string) => ({ name: name.toLowerCase() });

/** An instant as ISO 8601 with the zone's offset, so "02:00 in Berlin" reads as such. */
function zonedIso(epochMs: number, timeZone: string): string {
  const zone = ZoneClock.resolve(timeZone);
  const offset = zone ? zone.offsetMs(epochMs) : 0;
  const wall = new Date(epochMs + offset).toISOString().slice(0, 19);
  if (offset === 0) return `${wall}Z`;
  const minutes = Math.abs(offset) / 60_000;
  const sign = offset < 0 ? '-' : '+';
  return `${wall}${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export function createScheduleService(deps: ScheduleServiceDeps) {
  async function checkTarget(record: Pick<ScheduleRecord, 'invocation'>): Promise<void> {
    const { endpointName, deploymentName } = record.invocation;
    const field = 'properties.action.endpointInvocationDefinition';
    const endpoint = await deps.endpoints.get(endpointName).catch((error: unknown) => {
      if (error instanceof NotFoundError)
        throw new ValidationError(
          `${field}.endpointName: batch endpoint '${endpointName}' does not exist; create it first.`,
          `${field}.endpointName`,
        );
      throw error;
    });
    if (deploymentName === undefined) return;
    await deps.deployments.get(endpoint.name, deploymentName).catch((error: unknown) => {
      if (error instanceof NotFoundError)
        throw new ValidationError(
          `${field}.deploymentName: endpoint '${endpoint.name}' has no deployment '${deploymentName}'; omit it to use the default.`,
          `${field}.deploymentName`,
        );
      throw error;
    });
  }

  async function get(name: string): Promise<ScheduleRecord> {
    const record = await deps.repo.get<ScheduleRecord>(SCHEDULE_KIND, key(name));
    if (!record) throw new NotFoundError(`Schedule '${name}' was not found.`);
    return record;
  }

  /**
   * Creates or replaces a schedule; `created` tells a 201 from a 200. `mayInvoke` (the API's access
   * check) runs on the parsed definition before anything is stored.
   */
  async function put(
    name: string,
    body: unknown,
    actor: Actor,
    mayInvoke: (definition: ScheduleDefinition) => Promise<void> = () => Promise.resolve(),
  ): Promise<{ record: ScheduleRecord; created: boolean }> {
    checkScheduleName(name);
    const definition = readScheduleBody(body, name);
    await checkTarget(definition);
    await mayInvoke(definition);
    const now = deps.clock.now();
    const previous = await deps.repo.get<ScheduleRecord>(SCHEDULE_KIND, key(name));
    const reenabled = definition.isEnabled && previous?.isEnabled !== true;
    const record: ScheduleRecord = {
      name: previous?.name ?? name,
      ...definition,
      activeSince: reenabled || !previous ? now.toISOString() : previous.activeSince,
      owner: actor,
      systemData: previous
        ? {
            ...previous.systemData,
            lastModifiedAt: now.toISOString(),
            lastModifiedBy: actor.name,
            lastModifiedByType: actor.type,
          }
        : newSystemData(actor, now),
    };
    const stored = previous
      ? await deps.repo.replace(SCHEDULE_KIND, key(name), record)
      : await deps.repo.insert(SCHEDULE_KIND, key(name), record);
    if (!stored) return put(name, body, actor, mayInvoke);
    deps.onChange();
    return { record, created: !previous };
  }

  async function remove(name: string): Promise<void> {
    if (!(await deps.repo.remove(SCHEDULE_KIND, key(name))))
      throw new NotFoundError(`Schedule '${name}' was not found.`);
    await deps.repo.removeScope(FIRING_KIND, name.toLowerCase());
    deps.onChange();
  }

  /** The next `count` firings after now (none while disabled), ISO with the schedule zone's offset. */
  function nextFireTimes(record: ScheduleRecord, count = 5): string[] {
    if (!record.isEnabled) return [];
    const times = fireTimesOf(record.trigger, record.systemData.createdAt);
    const out: string[] = [];
    let after = Math.max(deps.clock.now().getTime(), Date.parse(record.activeSince));
    while (out.length < count) {
      const next = times.nextAfter(after);
      if (next === undefined) break;
      out.push(zonedIso(next, record.trigger.timeZone));
      after = next;
    }
    return out;
  }

  /** The newest claimed occurrence (the runner keeps only it, and an unfinished older one). */
  async function lastFiring(record: ScheduleRecord): Promise<LastFiring | undefined> {
    const firings = await deps.repo.list<LastFiring>(FIRING_KIND, { scope: record.name.toLowerCase() });
    return firings.reduce<LastFiring | undefined>(
      (latest, f) => (!latest || f.scheduledTime > latest.scheduledTime ? f : latest),
      undefined,
    );
  }

  return {
    get,
    lastFiring,
    put,
    remove,
    list: () => deps.repo.list<ScheduleRecord>(SCHEDULE_KIND),
    nextFireTimes,
  };
}
