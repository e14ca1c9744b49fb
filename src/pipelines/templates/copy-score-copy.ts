/**
 * Copy-Score-Copy: the flow Data Factory users build around a batch endpoint. A Copy brings the files to
 * score from wherever they live into the store the batch job reads, the hardened Run-BatchEndpoint
 * activities (managed identity) invoke the endpoint and wait for the job, failing unless it Completes,
 * and a second Copy takes the predictions out to their destination. The three datasets are named by the
 * template (Data Factory references datasets by fixed name) and each takes a `folder` parameter, so the
 * pipeline's parameters pick the folders: `CopyScoreSource` (any store), `CopyScoreStaging` (where the job
 * reads its input and writes its output, e.g. a NightshiftDatastore linked service over
 * workspaceblobstore) and `CopyScoreResults` (the destination).
 */
import type { ActivityDefinition, PipelineDefinition } from '../definition/model.ts';
import { hardenedActivities, VARIABLES } from './run-batch-endpoint-hardened.ts';
import { endpointParameters, expression, succeededAfter, type TemplateOptions } from './template-parts.ts';

export const COPY_SCORE_COPY = 'Copy-Score-Copy';
const COPY_SCORE_DATASETS = ['CopyScoreSource', 'CopyScoreStaging', 'CopyScoreResults'] as const;

function datasetRef(name: string, folderParameter: string) {
  return {
    referenceName: name,
    type: 'DatasetReference',
    parameters: { folder: expression(`@pipeline().parameters.${folderParameter}`) },
  };
}

function copy(
  name: string,
  from: [string, string],
  to: [string, string],
  dependsOn: ActivityDefinition['dependsOn'],
): ActivityDefinition {
  return {
    name,
    type: 'Copy',
    dependsOn,
    policy: {
      timeout: '0.12:00:00',
      retry: 2,
      retryIntervalInSeconds: 30,
      secureInput: false,
      secureOutput: false,
    },
    userProperties: [],
    inputs: [datasetRef(...from)],
    outputs: [datasetRef(...to)],
    typeProperties: {
      source: { type: 'BinarySource', storeSettings: { recursive: true } },
      sink: { type: 'BinarySink', storeSettings: { copyBehavior: 'PreserveHierarchy' } },
    },
  };
}

export function copyScoreCopy(options: TemplateOptions): PipelineDefinition {
  const [source, staging, results] = COPY_SCORE_DATASETS;
  const stage = copy('Copy to staging', [source, 'source_folder'], [staging, 'staging_folder'], []);
  const [invoke, ...scoring] = hardenedActivities(undefined, undefined);
  const score = invoke === undefined ? [] : [{ ...invoke, dependsOn: succeededAfter('Copy to staging') }];
  const copyOut = copy(
    'Copy predictions out',
    [staging, 'predictions_folder'],
    [results, 'results_folder'],
    succeededAfter('Check job outcome'),
  );
  return {
    name: options.pipelineName ?? COPY_SCORE_COPY,
    properties: {
      description:
        `Copies source_folder of dataset ${source} to staging_folder of ${staging}, runs the batch endpoint on ` +
        `endpoint_input_uri (the staged folder as the job sees it) writing endpoint_output_uri, waits until the ` +
        `job Completes (failing otherwise), then copies predictions_folder of ${staging} to results_folder of ${results}.`,
      activities: [stage, ...score, ...scoring, copyOut],
      parameters: {
        source_folder: { type: 'string' },
        staging_folder: { type: 'string' },
        predictions_folder: { type: 'string' },
        results_folder: { type: 'string' },
        ...endpointParameters(),
      },
      variables: VARIABLES,
      annotations: [],
    },
  };
}
