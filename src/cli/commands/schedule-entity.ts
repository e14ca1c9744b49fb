/**
 * How the CLI prints a schedule: az's snake_case shape (`display_name`, `is_enabled`, `trigger` with
 * `type`, `expression`, `time_zone`, ...) with the action as the YAML's `invoke_batch_endpoint` block,
 * so `schedule show -o yaml` reads like the file it was created from, plus `next_fire_times`, the
 * next firings in the schedule's zone. Also the `-o table` columns.
 */
import type { TableSpec } from '../output/table.ts';

interface ArmSchedule {
  id: string;
  name: string;
  properties: {
    displayName?: string;
    description?: string;
    tags?: Record<string, string>;
    isEnabled?: boolean;
    provisioningState?: string;
    trigger?: Record<string, unknown>;
    action?: {
      endpointInvocationDefinition?: {
        endpointName?: string;
        deploymentName?: string;
        properties?: {
          InputData?: Record<string, { JobInputType?: string; Uri?: string }>;
          OutputData?: Record<string, { Uri?: string }>;
        };
      };
    };
    nextFireTimes?: string[];
    lastFiring?: { scheduledTime: string; state: string; jobName: string; error?: string } | null;
  };
  systemData?: { createdAt?: string; createdBy?: string; lastModifiedAt?: string };
}

const SNAKE: Record<string, string> = {
  triggerType: 'type',
  timeZone: 'time_zone',
  startTime: 'start_time',
  endTime: 'end_time',
  weekDays: 'week_days',
  monthDays: 'month_days',
};

function snakeTrigger(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      SNAKE[k] ?? k,
      k === 'triggerType' || k === 'frequency' ? String(v).toLowerCase() : snakeTrigger(v),
    ]),
  );
}

function invokeBlock(raw: ArmSchedule) {
  const def = raw.properties.action?.endpointInvocationDefinition ?? {};
  const inputs = Object.entries(def.properties?.InputData ?? {}).map(([k, v]): [string, unknown] => [
    k,
    {
      ...(v.JobInputType ? { type: v.JobInputType === 'UriFile' ? 'uri_file' : 'uri_folder' } : {}),
      path: v.Uri,
    },
  ]);
  const outputs = Object.entries(def.properties?.OutputData ?? {}).map(([k, v]): [string, unknown] => [
    k,
    { type: 'uri_file', path: v.Uri },
  ]);
  return {
    endpoint: def.endpointName ?? '',
    ...(def.deploymentName ? { deployment: def.deploymentName } : {}),
    inputs: Object.fromEntries(inputs),
    ...(outputs.length > 0 ? { outputs: Object.fromEntries(outputs) } : {}),
  };
}

export function scheduleEntity(raw: unknown) {
  const s = raw as ArmSchedule;
  return {
    name: s.name,
    display_name: s.properties.displayName ?? s.name,
    description: s.properties.description ?? '',
    tags: s.properties.tags ?? {},
    is_enabled: s.properties.isEnabled ?? true,
    provisioning_state: s.properties.provisioningState ?? '',
    trigger: snakeTrigger(s.properties.trigger ?? {}),
    invoke_batch_endpoint: invokeBlock(s),
    next_fire_times: s.properties.nextFireTimes ?? [],
    last_firing: s.properties.lastFiring
      ? {
          scheduled_time: s.properties.lastFiring.scheduledTime,
          state: s.properties.lastFiring.state,
          job_name: s.properties.lastFiring.jobName,
          ...(s.properties.lastFiring.error === undefined ? {} : { error: s.properties.lastFiring.error }),
        }
      : null,
    creation_context: {
      created_at: s.systemData?.createdAt ?? null,
      created_by: s.systemData?.createdBy ?? null,
      last_modified_at: s.systemData?.lastModifiedAt ?? null,
    },
    id: s.id,
  };
}

export const SCHEDULE_TABLE: TableSpec = [
  { header: 'Name', path: 'name' },
  { header: 'Is_enabled', path: 'is_enabled' },
  { header: 'Endpoint', path: 'invoke_batch_endpoint.endpoint' },
  { header: 'Trigger', value: (s) => triggerText((s as { trigger: Record<string, unknown> }).trigger) },
  { header: 'Next_fire_time', value: (s) => (s as { next_fire_times: string[] }).next_fire_times[0] ?? '' },
];

function triggerText(t: Record<string, unknown>): string {
  const zone = typeof t.time_zone === 'string' && t.time_zone !== 'UTC' ? ` (${t.time_zone})` : '';
  if (t.type === 'cron') return `cron ${String(t.expression)}${zone}`;
  return `every ${typeof t.interval === 'number' ? t.interval : 1} ${String(t.frequency)}${zone}`;
}
