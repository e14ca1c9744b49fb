/**
 * What route handlers receive: the services of the composition root and the workspace they serve.
 * Routes stay thin: read the request, call a service, render a view.
 */
import type { FastifyRequest } from 'fastify';
import type { WorkspaceRef } from '../core/workspace.ts';
import type { AssetService } from '../workspace/assets.ts';
import type { DatastoreService } from '../workspace/datastores.ts';
import type { DeploymentService } from '../workspace/deployments.ts';
import type { EndpointService } from '../workspace/endpoints.ts';
import type { ComputeService } from '../workspace/computes.ts';
import type { ComputeNodeRegistry } from '../engine/compute-nodes.ts';
import type { PrometheusMetrics } from '../engine/prometheus-metrics.ts';
import type { JobService } from '../engine/job-service.ts';
import type { RerunService } from '../engine/rerun.ts';
import type { EventSubscriptionService } from '../engine/events/subscriptions.ts';
import type { ScheduleService } from '../engine/schedules/schedule-service.ts';
import type { TokenRouteServices } from './routes/tokens.ts';
import type { AccessRouteServices } from './routes/access.ts';
import type { AccessControl } from './access-control.ts';
import type { StudioServices } from './routes/studio.ts';
import type { PipelineService } from '../pipelines/service/pipeline-service.ts';
import type { FactoryDataService } from '../pipelines/data/factory-data-service.ts';
import type { TriggerService } from '../pipelines/triggers/trigger-service.ts';

export interface ApiServices {
  workspace: WorkspaceRef;
  datastores: DatastoreService;
  assets: AssetService;
  endpoints: EndpointService;
  deployments: DeploymentService;
  computes: ComputeService;
  /** The live worker processes serving each compute. */
  computeNodes: ComputeNodeRegistry;
  metrics: Pick<PrometheusMetrics, 'render'>;
  jobs: JobService;
  /** Reruns of ended jobs, whole or only what failed (engine/rerun.ts). */
  rerun: RerunService;
  /** Endpoint schedules (engine/schedules/). */
  schedules: ScheduleService;
  pipelines: PipelineService;
  /** The factory's linked services and datasets (Data Factory's data movement). */
  factoryData: FactoryDataService;
  /** The factory's triggers and their runs. */
  triggers: TriggerService;
  jobLogs: {
    list(job: string): Promise<{ path: string; size: number }[]>;
    read(job: string, path: string): Promise<string>;
  };
  /** Webhook subscriptions on job changes and their dead letters. */
  eventSubscriptions: EventSubscriptionService;
  /** Tokens, identities, role assignments, the audit log and the per-request access check. */
  auth: TokenRouteServices & AccessRouteServices & { access: AccessControl };
  /** The studio's built files and the local owner's sign-in code. */
  studio: StudioServices;
}

/** The ARM path prefix of the workspace; access-control.ts answers 404 when it names another one. */
export const WS =
  '/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/Microsoft.MachineLearningServices/workspaces/:workspaceName';

export function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}
