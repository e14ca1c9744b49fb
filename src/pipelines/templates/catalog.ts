/**
 * The pipeline templates Nightshift ships, by the names users import them with (`pipeline import
 * --template Run-BatchEndpoint-SP`). Each builds a pipeline definition for a given server, since the
 * service-principal variants default their token authority to that server. Both documented variants and
 * both hardened ones create a pipeline named Run-BatchEndpoint, as Azure's templates do; Copy-Score-Copy
 * wraps the hardened one between two Copy activities.
 */
import { ValidationError } from '../../core/errors.ts';
import type { PipelineDefinition } from '../definition/model.ts';
import { runBatchEndpointHardened } from './run-batch-endpoint-hardened.ts';
import { runBatchEndpointManagedIdentity, runBatchEndpointServicePrincipal } from './run-batch-endpoint.ts';
import { DEFAULT_PIPELINE_NAME, type TemplateOptions } from './template-parts.ts';
import { COPY_SCORE_COPY, copyScoreCopy } from './copy-score-copy.ts';

export type { TemplateOptions } from './template-parts.ts';

export const TEMPLATE_NAMES = [
  'Run-BatchEndpoint-MI',
  'Run-BatchEndpoint-SP',
  'Run-BatchEndpoint-Hardened-MI',
  'Run-BatchEndpoint-Hardened-SP',
  'Copy-Score-Copy',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export interface TemplateSummary {
  name: TemplateName;
  /** The name of the pipeline the template creates. */
  pipelineName: string;
  description: string;
}

const TEMPLATES: Record<
  TemplateName,
  { description: string; build: (options: TemplateOptions) => PipelineDefinition; pipelineName?: string }
> = {
  'Run-BatchEndpoint-MI': {
    description:
      "Azure ML's Run-BatchEndpoint with managed identity: invoke a batch endpoint, poll the job until Completed or Failed.",
    build: runBatchEndpointManagedIdentity,
  },
  'Run-BatchEndpoint-SP': {
    description:
      "Azure ML's Run-BatchEndpoint with a service principal: Authorize (client credentials), invoke, poll until Completed or Failed.",
    build: runBatchEndpointServicePrincipal,
  },
  'Run-BatchEndpoint-Hardened-MI': {
    description:
      'Run-BatchEndpoint with managed identity that fails unless the job Completes, stops on Canceled, retries status checks and returns jobName/jobStatus.',
    build: (options) => runBatchEndpointHardened({ ...options, auth: 'MI' }),
  },
  'Run-BatchEndpoint-Hardened-SP': {
    description:
      'The hardened Run-BatchEndpoint with a service principal, fetching a fresh token on every poll.',
    build: (options) => runBatchEndpointHardened({ ...options, auth: 'SP' }),
  },
  'Copy-Score-Copy': {
    description:
      'Copy the files to score into the staging store (datasets CopyScoreSource -> CopyScoreStaging), run the batch endpoint (hardened, managed identity), copy the predictions out (CopyScoreStaging -> CopyScoreResults).',
    build: copyScoreCopy,
    pipelineName: COPY_SCORE_COPY,
  },
};

export function listTemplates(): TemplateSummary[] {
  return TEMPLATE_NAMES.map((name) => ({
    name,
    pipelineName: TEMPLATES[name].pipelineName ?? DEFAULT_PIPELINE_NAME,
    description: TEMPLATES[name].description,
  }));
}

/** The template of that name (any case) built for the server; a ValidationError lists the names otherwise. */
export function buildTemplate(name: string, options: TemplateOptions): PipelineDefinition {
  const known = TEMPLATE_NAMES.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  if (known === undefined) {
    throw new ValidationError(
      `There is no pipeline template '${name}'; use one of ${TEMPLATE_NAMES.join(', ')}.`,
      'template',
    );
  }
  return TEMPLATES[known].build(options);
}
