/**
 * Builds the pipeline runner for the composition root: the expression engine, the activity handlers
 * (control flow, WebActivity over real HTTP with the server's own tokens, the factory's data activities)
 * and the pipeline service over the store.
 */
import type { Logger } from 'pino';
import type { MetadataStore } from '../../store/contract.ts';
import type { SecretBox } from '../../auth/secrets/secret-box.ts';
import { createExpressionEngine } from '../expressions/engine.ts';
import { createControlFlowRegistry } from '../runner/control-flow-handlers.ts';
import { createFactoryData } from '../data/wiring.ts';
import type { FactoryDataService } from '../data/factory-data-service.ts';
import { createSecretProvider } from '../web/secrets.ts';
import { RealClock } from '../time/real-clock.ts';
import { createPipelineService, type PipelineService } from './pipeline-service.ts';
import { serverTokenProvider } from './server-token-provider.ts';
import { webActivityHandler } from './web-activity-handler.ts';

/**
 * The pipeline runner with its activities: control flow, WebActivity over real HTTP, and Copy and Get
 * Metadata over the factory's linked services and datasets; SecureString values and linked services'
 * secrets are sealed with the data dir's secret box.
 */
export function createPipelines(
  factoryName: string,
  store: MetadataStore,
  logger: Logger,
  secrets: SecretBox,
  reach: Pick<Parameters<typeof createFactoryData>[0], 'listening' | 'workspaceDatastore' | 'urls'>,
): { pipelines: PipelineService; factoryData: FactoryDataService } {
  const clock = new RealClock();
  const serverUrl = () => reach.listening()[0];
  const expressions = createExpressionEngine();
  const data = createFactoryData({ repo: store.resources, secrets, expressions, ...reach });
  const handlers = data.register(
    createControlFlowRegistry().register(
      'WebActivity',
      webActivityHandler({
        tokens: serverTokenProvider(serverUrl, clock),
        secrets: createSecretProvider(),
        authority: serverUrl,
      }),
    ),
  );
  const pipelines = createPipelineService({
    repo: store.resources,
    runs: store.pipelineRuns,
    expressions,
    clock,
    handlers,
    factoryName,
    secrets,
    onError: (error) => {
      logger.error({ err: error }, 'could not record a pipeline run');
    },
  });
  return { pipelines, factoryData: data.service };
}
