/**
 * Builds the schedule service and its runner for the composition root: the runner's firings go through
 * the job service's invoke, as a user's invocation does, and its wake-ups follow the service's changes.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ResourceRepository } from '../../store/contract.ts';
import type { DeploymentService } from '../../workspace/deployments.ts';
import type { EndpointService } from '../../workspace/endpoints.ts';
import type { Clock } from '../../pipelines/time/clock.ts';
import type { JobService } from '../job-service.ts';
import { createScheduleRunner, type ScheduleRunner } from './schedule-runner.ts';
import { createScheduleService, type ScheduleService } from './schedule-service.ts';

export interface ScheduleWiring {
  repo: ResourceRepository;
  jobs: Pick<JobService, 'invoke' | 'get'>;
  endpoints: Pick<EndpointService, 'get'>;
  deployments: Pick<DeploymentService, 'get'>;
  clock: Clock;
  logger: Logger;
  /** How often other servers' schedule changes are looked for; 30 s by default. */
  pollMs?: number;
}

export function createSchedules(w: ScheduleWiring): { service: ScheduleService; runner: ScheduleRunner } {
  const wake = { runner: undefined as ScheduleRunner | undefined };
  const service = createScheduleService({
    repo: w.repo,
    endpoints: w.endpoints,
    deployments: w.deployments,
    clock: w.clock,
    onChange: () => wake.runner?.wake(),
  });
  const runner = createScheduleRunner({
    repo: w.repo,
    clock: w.clock,
    server: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    pollMs: w.pollMs ?? 30_000,
    claimGraceMs: 120_000,
    schedules: service.list,
    invoke: (endpoint, body, deployment, actor) => w.jobs.invoke(endpoint, body, deployment, actor),
    jobExists: async (name) => (await w.jobs.get(name).catch(() => undefined)) !== undefined,
    onError: (schedule, scheduledTime, error) => {
      w.logger.warn({ schedule, scheduledTime, err: error }, 'schedule firing failed');
    },
    onLoopError: (error) => {
      w.logger.warn({ err: error }, 'schedule loop pass failed');
    },
  });
  wake.runner = runner;
  return { service, runner };
}
